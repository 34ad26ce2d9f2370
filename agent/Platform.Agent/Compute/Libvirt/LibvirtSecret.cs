using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>A libvirt secret (a handle to it), e.g. the cephx key RBD disks authenticate with.</summary>
internal sealed class LibvirtSecret : IDisposable
{
    private readonly SafeSecretHandle _handle;

    internal LibvirtSecret(SafeSecretHandle handle)
    {
        _handle = handle;
        try
        {
            Uuid = Interop.Libvirt.SecretGetUuid(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public Guid Uuid { get; }

    /// <summary>
    /// virSecretSetValue with the raw value. Cancellation counts only before the call starts:
    /// libvirt reads <paramref name="value"/> until the call returns, so the caller can clear
    /// its copy as soon as the task completes.
    /// </summary>
    public Task SetValueAsync(ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return LibvirtCall.RunAsync(() => Interop.Libvirt.SecretSetValue(_handle, value.Span), CancellationToken.None);
    }

    /// <summary>
    /// Sets a cephx key given as Ceph prints it (base64, as in a keyring): libvirt stores the
    /// decoded bytes and hands qemu the base64 form itself.
    /// </summary>
    public async Task SetCephKeyAsync(string base64Key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(base64Key);
        var key = Convert.FromBase64String(base64Key.Trim());
        try
        {
            await SetValueAsync(key, cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>virSecretUndefine: deletes the secret and its value.</summary>
    public Task UndefineAsync(CancellationToken cancellationToken = default) =>
        LibvirtCall.RunAsync(() => Interop.Libvirt.SecretUndefine(_handle), cancellationToken);

    public void Dispose() => _handle.Dispose();
}
