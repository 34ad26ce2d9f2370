using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Platform.Cli.Codec;

/// <summary>
/// Descriptors built at run time from serialized FileDescriptorProtos (as server reflection
/// sends them), dependencies first, so messages can be encoded and decoded without generated code.
/// </summary>
internal sealed class DescriptorSet
{
    private readonly IReadOnlyList<FileDescriptor> _files;

    private DescriptorSet(IReadOnlyList<FileDescriptor> files) => _files = files;

    public IReadOnlyList<FileDescriptor> Files => _files;

    /// <summary>Builds the files; every dependency must be among them.</summary>
    public static DescriptorSet Build(IEnumerable<ByteString> serializedFiles)
    {
        var byName = new Dictionary<string, (ByteString Bytes, FileDescriptorProto Proto)>(StringComparer.Ordinal);
        foreach (var bytes in serializedFiles)
        {
            var proto = FileDescriptorProto.Parser.ParseFrom(bytes);
            byName.TryAdd(proto.Name, (bytes, proto));
        }
        var ordered = new List<ByteString>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        void Place(string name, Stack<string> path)
        {
            if (placed.Contains(name))
            {
                return;
            }
            if (!byName.TryGetValue(name, out var file))
            {
                throw new InvalidOperationException($"the descriptor of {name} (needed by {string.Join(" ← ", path)}) was not sent");
            }
            path.Push(name);
            foreach (var dependency in file.Proto.Dependency)
            {
                Place(dependency, path);
            }
            path.Pop();
            placed.Add(name);
            ordered.Add(file.Bytes);
        }
        foreach (var name in byName.Keys.Order(StringComparer.Ordinal))
        {
            Place(name, new Stack<string>());
        }
        return new DescriptorSet(FileDescriptor.BuildFromByteStrings(ordered));
    }

    public ServiceDescriptor? FindService(string fullName) =>
        _files.SelectMany(f => f.Services).FirstOrDefault(s => s.FullName == fullName);

    public MessageDescriptor? FindMessage(string fullName) =>
        _files.SelectMany(f => f.MessageTypes).SelectMany(Flatten).FirstOrDefault(m => m.FullName == fullName);

    public EnumDescriptor? FindEnum(string fullName) =>
        _files.SelectMany(f => f.EnumTypes.Concat(f.MessageTypes.SelectMany(Flatten).SelectMany(m => m.EnumTypes)))
            .FirstOrDefault(e => e.FullName == fullName);

    private static IEnumerable<MessageDescriptor> Flatten(MessageDescriptor message) =>
        message.NestedTypes.SelectMany(Flatten).Prepend(message);

    /// <summary>A service in .proto syntax: its methods with their request and response types.</summary>
    public static string Describe(ServiceDescriptor service)
    {
        var text = new StringBuilder($"service {service.FullName} {{\n");
        foreach (var method in service.Methods)
        {
            var input = (method.IsClientStreaming ? "stream " : "") + method.InputType.FullName;
            var output = (method.IsServerStreaming ? "stream " : "") + method.OutputType.FullName;
            text.Append(FormattableString.Invariant($"  rpc {method.Name}({input}) returns ({output});\n"));
        }
        return text.Append('}').ToString();
    }

    /// <summary>A message in .proto syntax: its fields, their types and numbers.</summary>
    public static string Describe(MessageDescriptor message)
    {
        var text = new StringBuilder($"message {message.FullName} {{\n");
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            text.Append(FormattableString.Invariant($"  {TypeOf(field)} {field.Name} = {field.FieldNumber};\n"));
        }
        return text.Append('}').ToString();
    }

    public static string Describe(EnumDescriptor type)
    {
        var text = new StringBuilder($"enum {type.FullName} {{\n");
        foreach (var value in type.Values)
        {
            text.Append(FormattableString.Invariant($"  {value.Name} = {value.Number};\n"));
        }
        return text.Append('}').ToString();
    }

    private static string TypeOf(FieldDescriptor field)
    {
        if (field.IsMap)
        {
            return $"map<{TypeOf(field.MessageType.FindFieldByNumber(1))}, {TypeOf(field.MessageType.FindFieldByNumber(2))}>";
        }
        var type = field.FieldType switch
        {
            FieldType.Message or FieldType.Group => field.MessageType.FullName,
            FieldType.Enum => field.EnumType.FullName,
            var scalar => scalar.ToString().ToLowerInvariant(),
        };
        return field.IsRepeated ? "repeated " + type : type;
    }
}
