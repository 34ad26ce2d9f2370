using Platform.Agent.Compute.Libvirt;

namespace Platform.Tests.Integration.Compute;

/// <summary>
/// libvirt's event loop for the tests of this namespace, as the agent runs it: one per process,
/// started (lazily, by the first test that has a libvirtd to talk to) before any connection opens.
/// </summary>
[SetUpFixture]
public sealed class ComputeSetUp
{
    private static readonly Lock Gate = new();
    private static LibvirtEventLoop? s_loop;

    public static void EnsureEventLoop()
    {
        lock (Gate)
        {
            s_loop ??= LibvirtEventLoop.Start();
        }
    }

    [OneTimeTearDown]
    public void StopEventLoop()
    {
        lock (Gate)
        {
            s_loop?.Dispose();
            s_loop = null;
        }
    }
}
