using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;

namespace Platform.Tests.Integration.Grpc;

/// <summary>Hand-made gRPC requests over HTTP/2, for sending what a well-behaved client never would.</summary>
internal static class RawGrpc
{
    public sealed record Response(HttpStatusCode HttpStatus, int? GrpcStatus, string? GrpcMessage, HttpResponseHeaders Headers, byte[] Body);

    /// <summary>An HTTP/2-only client; <paramref name="tls"/> for https:// servers (client certificate, trusted CA).</summary>
    public static HttpClient CreateClient(SslClientAuthenticationOptions? tls = null) => new(new SocketsHttpHandler { UseProxy = false, SslOptions = tls ?? new() })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A POST that must go out as HTTP/2 (HttpClient's defaults do not apply to hand-built requests).</summary>
    public static HttpRequestMessage Request(Uri server, string path, HttpContent content) => new(HttpMethod.Post, new Uri(server, path))
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Content = content,
    };

    public static byte[] Frame(byte[] payload, byte flag = 0, int? announcedLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), announcedLength ?? payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<Response> PostAsync(HttpClient http, Uri server, string path, byte[] body, string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = Request(server, path, content);
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        var message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
        return new Response(response.StatusCode, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), message, response.Headers, bytes);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
