using System.Net.Sockets;
using System.Text;
using Platform.Tests.Integration.Grpc;

namespace Platform.Tests.Integration.Foundation;

/// <summary>The agent speaks systemd's notify protocol itself (Type=notify, WatchdogSec=).</summary>
public class SystemdNotifyTests
{
    [Test]
    public async Task Agent_reports_ready_watchdog_and_stopping_on_the_notify_socket()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"notify-{Guid.NewGuid():N}.sock");
        using var notifySocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifySocket.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            await using var agent = await AgentProcess.StartAsync(new AgentProcessOptions
            {
                Environment = new Dictionary<string, string>
                {
                    ["NOTIFY_SOCKET"] = socketPath,
                    // 400 ms: the agent must ping every 200 ms.
                    ["WATCHDOG_USEC"] = "400000",
                },
            });

            var ready = await ReceiveAsync(notifySocket, TimeSpan.FromSeconds(10));
            var watchdogs = 0;
            while (watchdogs < 3)
            {
                Assert.That(await ReceiveAsync(notifySocket, TimeSpan.FromSeconds(5)), Is.EqualTo("WATCHDOG=1"));
                watchdogs++;
            }

            var exitCode = await agent.StopAsync();
            var afterStop = new List<string>();
            while (afterStop.Count == 0 || !afterStop[^1].StartsWith("STOPPING=1", StringComparison.Ordinal))
            {
                afterStop.Add(await ReceiveAsync(notifySocket, TimeSpan.FromSeconds(5)));
            }

            Assert.Multiple(() =>
            {
                Assert.That(ready, Does.StartWith("READY=1\n").And.Contain($"MAINPID={agent.Pid}"));
                Assert.That(afterStop[^1], Does.StartWith("STOPPING=1"));
                Assert.That(exitCode, Is.Zero);
            });
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(timeout);
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
