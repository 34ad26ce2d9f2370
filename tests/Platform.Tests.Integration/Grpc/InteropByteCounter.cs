using System.Net;
using System.Net.Sockets;

namespace Platform.Tests.Integration.Grpc;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a server that counts the bytes going each way: what
/// lets a test see that a peer really compressed (gzip) instead of trusting its settings.
/// </summary>
internal sealed class InteropByteCounter : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly Task _accepting;
    private long _toServer;
    private long _toClient;

    private InteropByteCounter(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Bytes the clients sent towards the server so far.</summary>
    public long BytesToServer => Interlocked.Read(ref _toServer);

    /// <summary>Bytes the server sent back so far.</summary>
    public long BytesToClient => Interlocked.Read(ref _toClient);

    /// <summary>A relay to the host:port of <paramref name="address"/> (http:// or https://; the relay only sees bytes).</summary>
    public static InteropByteCounter InFrontOf(string address)
    {
        var uri = new Uri(address);
        return new InteropByteCounter(new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port));
    }

    /// <summary><paramref name="address"/> with the relay's port instead of the server's.</summary>
    public string Rewrite(string address) => new UriBuilder(address) { Port = Port }.Uri.ToString().TrimEnd('/');

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }
        await Task.WhenAll(relays.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_relays)
            {
                _relays.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            client.NoDelay = true;
            server.NoDelay = true;
            await server.ConnectAsync(_target, _stop.Token);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), count => Interlocked.Add(ref _toServer, count), either);
            var down = PumpAsync(server.GetStream(), client.GetStream(), count => Interlocked.Add(ref _toClient, count), either);
            await Task.WhenAll(up, down);
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, Action<int> counted, CancellationTokenSource either)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, either.Token)) > 0)
            {
                counted(read);
                await to.WriteAsync(buffer.AsMemory(0, read), either.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            // One side closed: close the other too.
            await either.CancelAsync();
        }
    }
}
