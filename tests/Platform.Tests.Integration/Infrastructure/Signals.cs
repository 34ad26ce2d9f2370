using System.Runtime.InteropServices;

namespace Platform.Tests.Integration.Infrastructure;

internal static partial class Signals
{
    private const int SigTerm = 15;

    /// <summary>Asks a process to stop the way systemd does; .NET's Process.Kill only sends SIGKILL.</summary>
    public static void Terminate(int pid)
    {
        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
