using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Platform.Cli.Codec;
using Platform.Cli.Output;

namespace Platform.Cli.Agents;

/// <summary>
/// <c>platformctl agent …</c>: an agent's gRPC API through its server reflection (list,
/// describe, call any method with JSON) and its standard health service.
/// </summary>
internal static class AgentCommands
{
    private static readonly Option<string?> Agent = new("--agent")
    {
        Description = "the agent's gRPC URL (https://HOST:PORT); default: the endpoint of --host in the controller's host list",
        Recursive = true,
    };

    private static readonly Option<string?> Host = new("--host")
    {
        Description = "the host whose agent to use (its host_id; needed when the controller knows more than one)",
        Recursive = true,
    };

    private static readonly Option<int> Timeout = new("--timeout")
    {
        Description = "seconds the agent has to answer",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build()
    {
        var agent = new Command("agent", "An agent's gRPC API over mutual TLS with the operator's certificate: list, describe and call its methods, check its health");
        agent.Options.Add(Agent);
        agent.Options.Add(Host);
        agent.Options.Add(Timeout);

        var list = new Command("list", "The services the agent serves (server reflection)");
        list.SetAction((parse, ct) => RunAsync(parse, async (context, connection, deadline) =>
        {
            var services = await connection.ListServicesAsync(deadline);
            if (context.Format == OutputFormat.Json)
            {
                CliContext.Out.WriteLine(JsonSerializer.Serialize(services, Indented));
            }
            else
            {
                foreach (var service in services)
                {
                    CliContext.Out.WriteLine(service);
                }
            }
            return 0;
        }, ct));

        var symbol = new Argument<string>("symbol") { Description = "a service, method (SERVICE/METHOD or SERVICE.METHOD), message or enum, fully qualified" };
        var describe = new Command("describe", "The definition of a service, method, message or enum, as .proto text");
        describe.Arguments.Add(symbol);
        describe.SetAction((parse, ct) => RunAsync(parse, async (context, connection, deadline) =>
        {
            var name = parse.GetValue(symbol)!.Replace('/', '.');
            var descriptors = await connection.DescriptorsOfAsync(name, deadline);
            var text = DescribeSymbol(descriptors, name);
            if (text is null)
            {
                return CliContext.Fail(new CommandFailure(ExitCode.NotFound, $"{name} is no service, method, message or enum of the agent"));
            }
            if (context.Format == OutputFormat.Json)
            {
                CliContext.Out.WriteLine(new JsonObject { ["symbol"] = name, ["definition"] = text }.ToJsonString(Indented));
            }
            else
            {
                CliContext.Out.WriteLine(text);
            }
            return 0;
        }, ct));

        var method = new Argument<string>("method") { Description = "SERVICE/METHOD, e.g. platform.agent.v1.HostService/GetAgentInfo" };
        var data = new Option<string>("--data", "-d") { Description = "the request as JSON (proto3 JSON mapping), or @FILE; default {}", DefaultValueFactory = _ => "{}" };
        var call = new Command("call", "Call a unary or server-streaming method with a JSON request; prints the response(s) as JSON");
        call.Arguments.Add(method);
        call.Options.Add(data);
        call.SetAction((parse, ct) => RunAsync(parse, async (_, connection, deadline) =>
        {
            var target = parse.GetValue(method)!;
            var slash = target.LastIndexOf('/');
            if (slash <= 0)
            {
                return CliContext.Fail(new CommandFailure(ExitCode.BadInput, $"'{target}' is not SERVICE/METHOD"));
            }
            var (serviceName, methodName) = (target[..slash], target[(slash + 1)..]);
            var descriptors = await connection.DescriptorsOfAsync(serviceName, deadline);
            var descriptor = descriptors.FindService(serviceName)?.FindMethodByName(methodName);
            if (descriptor is null)
            {
                return CliContext.Fail(new CommandFailure(ExitCode.NotFound, $"the agent has no method {target}"));
            }
            if (descriptor.IsClientStreaming)
            {
                return CliContext.Fail(new CommandFailure(ExitCode.BadInput, $"{target} takes a stream of requests: only unary and server-streaming methods can be called"));
            }
            var json = parse.GetValue(data)!;
            if (json.StartsWith('@'))
            {
                var path = json[1..];
                if (!File.Exists(path))
                {
                    return CliContext.Fail(new CommandFailure(ExitCode.BadInput, $"--data @{path}: no such file"));
                }
                json = await File.ReadAllTextAsync(path, deadline);
            }
            byte[] request;
            try
            {
                request = ProtoJsonEncoder.Encode(descriptor.InputType, json);
            }
            catch (ProtoJsonException e)
            {
                return CliContext.Fail(new CommandFailure(ExitCode.BadInput, e.Message));
            }
            await foreach (var response in DynamicCall.InvokeAsync(connection.Channel, descriptor, request, deadline))
            {
                CliContext.Out.WriteLine(ProtoJsonDecoder.Decode(descriptor.OutputType, response).ToJsonString(Indented));
                CliContext.Out.Flush();
            }
            return 0;
        }, ct));

        var service = new Option<string>("--service") { Description = "the service to ask about (default: the agent as a whole)", DefaultValueFactory = _ => "" };
        var health = new Command("health", "The agent's standard gRPC health (grpc.health.v1); exits 5 unless SERVING");
        health.Options.Add(service);
        health.SetAction((parse, ct) => RunAsync(parse, async (context, connection, deadline) =>
        {
            var name = parse.GetValue(service)!;
            var answer = await new Health.HealthClient(connection.Channel).CheckAsync(new HealthCheckRequest { Service = name }, cancellationToken: deadline);
            var result = new JsonObject { ["agent"] = connection.Address, ["service"] = name, ["status"] = answer.Status.ToString().ToUpperInvariant() switch
            {
                "SERVING" => "SERVING",
                "NOTSERVING" => "NOT_SERVING",
                "SERVICEUNKNOWN" => "SERVICE_UNKNOWN",
                _ => "UNKNOWN",
            } };
            using var document = JsonDocument.Parse(result.ToJsonString());
            ResultPrinter.Print(context.Console, CliContext.Out, context.Format, document.RootElement);
            return answer.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : (int)ExitCode.Unavailable;
        }, ct));

        agent.Subcommands.Add(list);
        agent.Subcommands.Add(describe);
        agent.Subcommands.Add(call);
        agent.Subcommands.Add(health);
        return agent;
    }

    private static string? DescribeSymbol(DescriptorSet descriptors, string name)
    {
        if (descriptors.FindService(name) is { } service)
        {
            return DescriptorSet.Describe(service);
        }
        if (descriptors.FindMessage(name) is { } message)
        {
            return DescriptorSet.Describe(message);
        }
        if (descriptors.FindEnum(name) is { } type)
        {
            return DescriptorSet.Describe(type);
        }
        var dot = name.LastIndexOf('.');
        if (dot > 0 && descriptors.FindService(name[..dot])?.FindMethodByName(name[(dot + 1)..]) is MethodDescriptor method)
        {
            return $"rpc {method.Name}({(method.IsClientStreaming ? "stream " : "")}{method.InputType.FullName}) returns ({(method.IsServerStreaming ? "stream " : "")}{method.OutputType.FullName});\n\n"
                + DescriptorSet.Describe(method.InputType) + "\n\n" + DescriptorSet.Describe(method.OutputType);
        }
        return null;
    }

    /// <summary>Resolves the agent, opens the channel, runs the command with a deadline; gRPC failures end it with their class.</summary>
    private static async Task<int> RunAsync(ParseResult parse, Func<CliContext, AgentConnection, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        var (context, exit) = CliContext.From(parse);
        if (context is null)
        {
            return exit;
        }
        var (address, failure) = await AgentConnection.ResolveAsync(context.Settings, parse.GetValue(Agent), parse.GetValue(Host), ct);
        if (failure is not null)
        {
            return CliContext.Fail(failure);
        }
        using var connection = AgentConnection.Open(address!, context.Settings);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(parse.GetValue(Timeout)));
        try
        {
            return await action(context, connection, deadline.Token);
        }
        catch (RpcException e)
        {
            return CliContext.Fail(new CommandFailure(ExitCodes.ForGrpcStatus(e.StatusCode), $"agent {address}: {e.StatusCode}: {e.Status.Detail}"));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CliContext.Fail(new CommandFailure(ExitCode.Unavailable, $"agent {address}: no answer within {parse.GetValue(Timeout)} s"));
        }
        catch (InvalidOperationException e)
        {
            // A descriptor set the agent sent incomplete or inconsistent.
            return CliContext.Fail(new CommandFailure(ExitCode.Other, $"agent {address}: {e.Message}"));
        }
    }
}
