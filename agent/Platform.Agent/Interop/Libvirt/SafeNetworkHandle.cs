namespace Microsoft.Win32.SafeHandles;

/// <summary>A <c>virNetworkPtr</c>, released with <c>virNetworkFree</c> (the network itself stays).</summary>
internal sealed class SafeNetworkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeNetworkHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => Interop.Libvirt.ReleaseNetwork(handle);
}
