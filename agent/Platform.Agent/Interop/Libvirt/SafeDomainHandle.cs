namespace Microsoft.Win32.SafeHandles;

/// <summary>A <c>virDomainPtr</c>, released with <c>virDomainFree</c> (the domain itself stays).</summary>
internal sealed class SafeDomainHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeDomainHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => Interop.Libvirt.ReleaseDomain(handle);
}
