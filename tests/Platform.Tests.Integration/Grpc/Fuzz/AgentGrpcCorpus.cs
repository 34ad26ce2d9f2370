using Google.Protobuf;
using Google.Protobuf.Reflection;
using Platform.Contracts.Agent.V1;

namespace Platform.Tests.Integration.Grpc.Fuzz;

/// <summary>One call of the fuzz: a method and the request messages it sends, as bytes.</summary>
internal sealed record GrpcFuzzCase(MethodDescriptor Method, string What, IReadOnlyList<byte[]> Messages)
{
    public override string ToString() => $"{Method.Service.Name}/{Method.Name} [{What}]";
}

/// <summary>
/// Every method of every agent service (from the generated descriptors), each with malformed
/// bytes and with well-formed messages whose fields, one at a time and down into nested
/// messages, hold odd values. A mutating request's operation id is either missing or one the
/// agent must refuse, or valid only beside another name-like field left empty, so that no call
/// can be a request the agent should carry out.
/// </summary>
internal static class AgentGrpcCorpus
{
    private const int NestingDepth = 2;

    /// <summary>The agent's services, as generated from proto/platform/agent/v1.</summary>
    public static IReadOnlyList<ServiceDescriptor> Services { get; } =
        typeof(HostService).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(HostService).Namespace)
            .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null))
            .OfType<ServiceDescriptor>()
            .OrderBy(s => s.FullName, StringComparer.Ordinal)
            .ToList();

    public static IEnumerable<GrpcFuzzCase> For(MethodDescriptor method, int seed)
    {
        var random = new Random(seed ^ Controller.Fuzz.RestFuzzCorpus.StableHash(method.FullName));
        var type = method.InputType;
        yield return new GrpcFuzzCase(method, "empty message", [[]]);
        if (method.IsClientStreaming)
        {
            yield return new GrpcFuzzCase(method, "no message at all", []);
        }
        var rich = Rich(type).ToByteArray();
        foreach (var (what, bytes) in MalformedMessages.For(type, rich, random))
        {
            yield return new GrpcFuzzCase(method, what, [bytes]);
            if (method.IsClientStreaming)
            {
                yield return new GrpcFuzzCase(method, what + ", after an empty message", [[], bytes]);
            }
        }
        var validId = ValidOperationIdIsSafe(type);
        var counter = 0;
        foreach (var (what, apply) in Variants(type, NestingDepth))
        {
            var message = type.Parser.ParseFrom(ByteString.Empty);
            apply(message);
            yield return new GrpcFuzzCase(method, what, [message.ToByteArray()]);
            if (validId && !what.StartsWith(GrpcFuzzValues.OperationId, StringComparison.Ordinal))
            {
                var withId = Copy(message);
                type.FindFieldByName(GrpcFuzzValues.OperationId).Accessor.SetValue(withId, $"fuzz-{method.Name}-{counter++}");
                yield return new GrpcFuzzCase(method, what + ", with an operation id", [withId.ToByteArray()]);
            }
            if (method.IsClientStreaming)
            {
                yield return new GrpcFuzzCase(method, what + ", twice", [message.ToByteArray(), message.ToByteArray()]);
            }
        }
    }

    /// <summary>
    /// Whether a valid operation id may go with one odd field: only when the message has another
    /// string field, left empty (a command that needs nothing more than its id, such as a save,
    /// would be carried out).
    /// </summary>
    private static bool ValidOperationIdIsSafe(MessageDescriptor type) =>
        type.FindFieldByName(GrpcFuzzValues.OperationId) is not null
        && type.Fields.InDeclarationOrder().Any(f => f.Name != GrpcFuzzValues.OperationId && f.FieldType == FieldType.String);

    /// <summary>One odd value in one field (of this message or, nested, of a message field), each as a setter.</summary>
    private static IEnumerable<(string What, Action<IMessage> Apply)> Variants(MessageDescriptor type, int depth)
    {
        foreach (var field in type.Fields.InDeclarationOrder())
        {
            foreach (var (name, value) in GrpcFuzzValues.For(field))
            {
                yield return ($"{field.Name} = {name}", message => GrpcFuzzValues.Set(message, field, value is IMessage m ? Copy(m) : value));
            }
            if (field.IsRepeated && field.FieldType == FieldType.String)
            {
                yield return ($"{field.Name} = 1,000 x \"../x\"", message => GrpcFuzzValues.Set(message, field, "../x", copies: 1_000));
            }
            if (field.FieldType == FieldType.Message && depth > 0)
            {
                foreach (var (what, apply) in Variants(field.MessageType, depth - 1))
                {
                    yield return ($"{field.Name}.{what}", message =>
                    {
                        var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                        apply(nested);
                        GrpcFuzzValues.Set(message, field, nested);
                    });
                }
            }
        }
    }

    private static IMessage Copy(IMessage message) => message.Descriptor.Parser.ParseFrom(message.ToByteString());

    /// <summary>A message with every field set (to its first odd value): what truncation and appending start from.</summary>
    private static IMessage Rich(MessageDescriptor type)
    {
        var message = type.Parser.ParseFrom(ByteString.Empty);
        foreach (var field in type.Fields.InDeclarationOrder().Where(f => f.ContainingOneof is null))
        {
            var value = field.FieldType == FieldType.String ? "a/b" : GrpcFuzzValues.For(field).FirstOrDefault().Value;
            if (value is not null)
            {
                GrpcFuzzValues.Set(message, field, value is IMessage m ? Copy(m) : value);
            }
        }
        return message;
    }
}
