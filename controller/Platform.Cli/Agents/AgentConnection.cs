using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Platform.Cli.Codec;
using Platform.Cli.Configuration;
using Platform.Cli.Rest;

namespace Platform.Cli.Agents;

/// <summary>
/// A gRPC channel to one agent (mutual TLS with the platform CA and the operator's certificate)
/// and what its server reflection tells: its services and their descriptors.
/// </summary>
internal sealed class AgentConnection(string address, GrpcChannel channel) : IDisposable
{
    public string Address { get; } = address;

    public GrpcChannel Channel { get; } = channel;

    public static AgentConnection Open(string address, CliSettings settings) =>
        new(address, GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = Tls.Handler(settings), DisposeHttpClient = true }));

    /// <summary>
    /// The agent to talk to: --agent as given, else the grpc_endpoint of --host (or of the only
    /// host) in the controller's host list.
    /// </summary>
    public static async Task<(string? Address, CommandFailure? Failure)> ResolveAsync(CliSettings settings, string? agent, string? hostId, CancellationToken ct)
    {
        if (agent is { Length: > 0 })
        {
            return Uri.TryCreate(agent, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? (agent, null)
                : (null, new CommandFailure(ExitCode.BadInput, $"--agent '{agent}' is not an http:// or https:// URL"));
        }
        using var client = ApiClient.Create(settings);
        var outcome = await client.GetAsync("/api/v1/hosts/list", new Dictionary<string, JsonNode?>(), ct);
        if (outcome.Failure is { } unreachable)
        {
            return (null, unreachable with { Message = unreachable.Message + " (give the agent's address with --agent)" });
        }
        if (!outcome.Response!.IsSuccess)
        {
            return (null, new CommandFailure(outcome.Response.Exit, outcome.Response.FailureText));
        }
        var hosts = outcome.Response.Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("items", out var items)
            ? items.EnumerateArray().Select(h => (Id: Text(h, "host_id"), Endpoint: Text(h, "grpc_endpoint"))).ToList()
            : [];
        var known = string.Join(", ", hosts.Select(h => h.Id));
        if (hostId is { Length: > 0 })
        {
            return hosts.FirstOrDefault(h => h.Id == hostId) is { Endpoint.Length: > 0 } host
                ? (host.Endpoint, null)
                : (null, new CommandFailure(ExitCode.NotFound, $"host {hostId} is not in the controller's host list (hosts: {(known.Length > 0 ? known : "none")})"));
        }
        return hosts.Count == 1
            ? (hosts[0].Endpoint, null)
            : (null, new CommandFailure(ExitCode.BadInput, hosts.Count == 0
                ? "the controller knows no host; give the agent's address with --agent"
                : $"there are {hosts.Count} hosts ({known}): choose one with --host or --agent"));
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    public async Task<IReadOnlyList<string>> ListServicesAsync(CancellationToken ct)
    {
        var response = await AskAsync(new ServerReflectionRequest { ListServices = "*" }, ct);
        return response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The descriptors of the file that defines <paramref name="symbol"/> and of everything it imports.</summary>
    public async Task<DescriptorSet> DescriptorsOfAsync(string symbol, CancellationToken ct)
    {
        var files = new Dictionary<string, ByteString>(StringComparer.Ordinal);
        var pending = new Queue<ByteString>();
        foreach (var bytes in (await AskAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }, ct)).FileDescriptorResponse.FileDescriptorProto)
        {
            pending.Enqueue(bytes);
        }
        while (pending.TryDequeue(out var bytes))
        {
            var proto = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(bytes);
            if (!files.TryAdd(proto.Name, bytes))
            {
                continue;
            }
            foreach (var dependency in proto.Dependency.Where(d => !files.ContainsKey(d)))
            {
                foreach (var more in (await AskAsync(new ServerReflectionRequest { FileByFilename = dependency }, ct)).FileDescriptorResponse.FileDescriptorProto)
                {
                    pending.Enqueue(more);
                }
            }
        }
        return DescriptorSet.Build(files.Values);
    }

    private async Task<ServerReflectionResponse> AskAsync(ServerReflectionRequest request, CancellationToken ct)
    {
        var client = new ServerReflection.ServerReflectionClient(Channel);
        using var call = client.ServerReflectionInfo(cancellationToken: ct);
        await call.RequestStream.WriteAsync(request, ct);
        await call.RequestStream.CompleteAsync();
        if (!await call.ResponseStream.MoveNext(ct))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the agent closed the reflection stream without an answer"));
        }
        var response = call.ResponseStream.Current;
        if (response.MessageResponseCase == ServerReflectionResponse.MessageResponseOneofCase.ErrorResponse)
        {
            throw new RpcException(new Status((StatusCode)response.ErrorResponse.ErrorCode, response.ErrorResponse.ErrorMessage));
        }
        return response;
    }

    public void Dispose() => Channel.Dispose();
}
