namespace Microsoft.Win32.SafeHandles;

/// <summary>A <c>virSecretPtr</c>, released with <c>virSecretFree</c> (the secret itself stays).</summary>
internal sealed class SafeSecretHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeSecretHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => Interop.Libvirt.ReleaseSecret(handle);
}
