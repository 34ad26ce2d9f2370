namespace Microsoft.Win32.SafeHandles;

/// <summary>
/// A <c>virConnectPtr</c>. Releasing it deregisters the domain event callbacks registered on it
/// (each holds a reference on the connection, so it would never close otherwise) and then
/// calls <c>virConnectClose</c>.
/// </summary>
internal sealed class SafeConnectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly List<int> _eventCallbacks = [];

    public SafeConnectHandle()
        : base(ownsHandle: true)
    {
    }

    internal void AddEventCallback(int callbackId)
    {
        lock (_eventCallbacks)
        {
            _eventCallbacks.Add(callbackId);
        }
    }

    protected override bool ReleaseHandle()
    {
        int[] callbacks;
        lock (_eventCallbacks)
        {
            callbacks = [.. _eventCallbacks];
            _eventCallbacks.Clear();
        }
        return Interop.Libvirt.ReleaseConnection(handle, callbacks);
    }
}
