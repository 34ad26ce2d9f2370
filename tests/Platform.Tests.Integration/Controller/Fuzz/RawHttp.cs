using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>How a hand-made request frames its body.</summary>
internal enum BodyFraming
{
    /// <summary>Content-Length matching the body (none when there is no body).</summary>
    Exact,

    /// <summary>Transfer-Encoding: chunked, in 64 KiB chunks.</summary>
    Chunked,

    /// <summary>
    /// Content-Length larger than the body, then the client sends nothing more but waits (Kestrel
    /// ends the body after its minimum data rate's grace period, 5 s; a client that half-closes
    /// instead is taken to have gone and gets no answer).
    /// </summary>
    DeclaredLonger,

    /// <summary>Content-Length smaller than the body: the rest is never read (the request says Connection: close).</summary>
    DeclaredShorter,

    /// <summary>No framing header at all (the bytes follow the headers).</summary>
    None,
}

/// <summary>One HTTP/1.1 request, spelled byte for byte: what HttpClient would refuse to send.</summary>
internal sealed record RawRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, BodyFraming Framing = BodyFraming.Exact)
{
    /// <summary>Bytes spliced into the request line as they are (not percent-encoded), e.g. a raw non-ASCII byte.</summary>
    public byte[]? RawTarget { get; init; }

    /// <summary>The Host header (the TLS name stays the server's).</summary>
    public string Host { get; init; } = "127.0.0.1";

    public byte[] HeadBytes()
    {
        var head = new MemoryStream();
        Write(head, Encoding.Latin1.GetBytes(Method + " "));
        Write(head, RawTarget ?? Encoding.Latin1.GetBytes(Target));
        Write(head, Encoding.Latin1.GetBytes($" HTTP/1.1\r\nHost: {Host}\r\nConnection: close\r\n"));
        foreach (var (name, value) in Headers)
        {
            Write(head, Encoding.Latin1.GetBytes($"{name}: {value}\r\n"));
        }
        switch (Framing)
        {
            case BodyFraming.Exact when Body.Length > 0 || Method is "POST" or "PUT" or "PATCH":
                Write(head, Encoding.Latin1.GetBytes($"Content-Length: {Body.Length}\r\n"));
                break;
            case BodyFraming.Chunked:
                Write(head, "Transfer-Encoding: chunked\r\n"u8.ToArray());
                break;
            case BodyFraming.DeclaredLonger:
                Write(head, Encoding.Latin1.GetBytes($"Content-Length: {Body.Length + 100}\r\n"));
                break;
            case BodyFraming.DeclaredShorter:
                Write(head, Encoding.Latin1.GetBytes($"Content-Length: {Body.Length / 2}\r\n"));
                break;
        }
        Write(head, "\r\n"u8.ToArray());
        return head.ToArray();
    }

    private static void Write(Stream stream, byte[] bytes) => stream.Write(bytes);
}

/// <summary>What came back: status, headers (last value of each, names case-insensitive), body.</summary>
internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Sends <see cref="RawRequest"/>s over a fresh loopback connection each (TLS for an https
/// <paramref name="baseUrl"/>, trusting the test CAs) and reads the one answer; with
/// <paramref name="token"/> as <c>Authorization: Bearer</c> (raw bytes go as they are).
/// </summary>
internal sealed class RawHttpClient(string baseUrl, string? token = null)
{
    private readonly Uri _server = new(baseUrl);

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The answer, or null when the server closed the connection without one.</summary>
    public Task<RawResponse?> SendAsync(RawRequest request) =>
        ExchangeAsync((stream, ct) => WriteAsync(stream, WithToken(request), ct), request.Method == "HEAD", $"{request.Method} {Shorten(request.Target)}");

    private RawRequest WithToken(RawRequest request) =>
        token is null || request.Headers.Any(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            ? request
            : request with { Headers = [.. request.Headers, KeyValuePair.Create("Authorization", "Bearer " + token)] };

    /// <summary>Bytes as they are, no request line or header added: what a broken client sends.</summary>
    public Task<RawResponse?> SendBytesAsync(byte[] bytes) =>
        ExchangeAsync(async (stream, ct) =>
        {
            try
            {
                await stream.WriteAsync(bytes, ct);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Refused before it was all sent: the answer is what counts.
            }
        }, head: false, Shorten(Encoding.Latin1.GetString(bytes)));

    private async Task<RawResponse?> ExchangeAsync(Func<Stream, CancellationToken, Task> write, bool head, string what)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = new CancellationTokenSource(AnswerTimeout);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _server.Port), deadline.Token);
        await using var network = new NetworkStream(socket, ownsSocket: false);
        Stream stream = network;
        if (_server.Scheme == Uri.UriSchemeHttps)
        {
            var tls = new System.Net.Security.SslStream(network, leaveInnerStreamOpen: true, Infrastructure.TrustedTestAuthorities.Validate);
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = _server.Host }, deadline.Token);
            stream = tls;
        }
        await using var _ = stream;
        // The server may answer (413, 414, 431) before it has read the body: write while reading.
        var writing = write(stream, deadline.Token);
        try
        {
            return await ReadAsync(stream, head, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {AnswerTimeout.TotalSeconds} s to {what}");
        }
        finally
        {
            socket.Close();
            await writing;
        }
    }

    private static async Task WriteAsync(Stream stream, RawRequest request, CancellationToken ct)
    {
        try
        {
            await stream.WriteAsync(request.HeadBytes(), ct);
            if (request.Framing == BodyFraming.Chunked)
            {
                for (var offset = 0; offset < request.Body.Length; offset += 64 * 1024)
                {
                    var chunk = request.Body.AsMemory(offset, Math.Min(64 * 1024, request.Body.Length - offset));
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"), ct);
                    await stream.WriteAsync(chunk, ct);
                    await stream.WriteAsync("\r\n"u8.ToArray(), ct);
                }
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
            }
            else
            {
                await stream.WriteAsync(request.Body, ct);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The server answered and closed before taking everything: the answer is what counts.
        }
    }

    private static async Task<RawResponse?> ReadAsync(Stream stream, bool head, CancellationToken ct)
    {
        var reader = new ResponseReader(stream);
        var statusLine = await reader.LineAsync(ct);
        if (statusLine is null)
        {
            return null;
        }
        var parts = statusLine.Split(' ', 3);
        var status = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? line;
        while (!string.IsNullOrEmpty(line = await reader.LineAsync(ct)))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        var response = new RawResponse(status, headers, []);
        if (head || status is 204 or 304 || (headers.TryGetValue("Content-Type", out var type) && type.StartsWith("application/octet-stream", StringComparison.Ordinal)))
        {
            // No body, or a download that is not read here (only its status and headers count).
            return response;
        }
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new MemoryStream();
            while (true)
            {
                var size = Convert.ToInt32((await reader.LineAsync(ct) ?? "0").Split(';')[0], 16);
                if (size == 0)
                {
                    break;
                }
                body.Write(await reader.BytesAsync(size, ct));
                await reader.LineAsync(ct);
            }
            return response with { Body = body.ToArray() };
        }
        if (headers.TryGetValue("Content-Length", out var length))
        {
            return response with { Body = await reader.BytesAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), ct) };
        }
        return response with { Body = await reader.RestAsync(ct) };
    }

    private static string Shorten(string text) => text.Length > 120 ? text[..120] + "…" : text;

    /// <summary>Lines and counted bytes from a stream, buffered.</summary>
    private sealed class ResponseReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> LineAsync(CancellationToken ct)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    return line.Length == 0 ? null : Encoding.Latin1.GetString(line.ToArray());
                }
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    line.Write(_buffer, _start, newline - _start);
                    _start = newline + 1;
                    return Encoding.Latin1.GetString(line.ToArray()).TrimEnd('\r');
                }
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
        }

        public async Task<byte[]> BytesAsync(int count, CancellationToken ct)
        {
            var bytes = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new IOException($"the answer ended after {filled} of {count} body bytes");
                }
                var take = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, bytes, filled, take);
                (_start, filled) = (_start + take, filled + take);
            }
            return bytes;
        }

        public async Task<byte[]> RestAsync(CancellationToken ct)
        {
            var rest = new MemoryStream();
            do
            {
                rest.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
            while (await FillAsync(ct));
            return rest.ToArray();
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            try
            {
                (_start, _end) = (0, await stream.ReadAsync(_buffer, ct));
            }
            catch (IOException)
            {
                // A reset after the answer: what was read is all there is.
                (_start, _end) = (0, 0);
            }
            return _end > 0;
        }
    }
}
