using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Platform.Tests.Integration.Grpc.Fuzz;

/// <summary>Odd values for a protobuf field of each type, and whether a field of a message is set.</summary>
internal static class GrpcFuzzValues
{
    /// <summary>Every mutating command's idempotency key: the fuzz only ever sends ones the agent must refuse.</summary>
    public const string OperationId = "operation_id";

    private static readonly string[] Strings =
    [
        "", " ", ".", "..", "/", "../../../etc/passwd", "a/b", "/dev/null", "a\0b", "\n", "\u001b[2J", new string('n', 5_000), new string('m', 1 << 20),
        "\u00ff\u202e\uFEFF", "\uD83D\uDCA9", "CON", "nul.txt", "-rf", "--help", "pool/name@snap", "i-00000000", "52:54:00:zz:00:00", "256.1.1.1",
        "%s%n%x", "$(reboot)", "`id`", "'; DROP TABLE x; --", "*", "?", "<>|\"", "C:\\Windows", "~root",
    ];

    private static readonly string[] OperationIds = ["\0", "\n", "a\u0007b", new string('o', 129), "   "];

    public static IEnumerable<(string Name, object Value)> For(FieldDescriptor field)
    {
        if (field.Name == OperationId)
        {
            return OperationIds.Select(v => (Describe(v), (object)v));
        }
        return field.FieldType switch
        {
            FieldType.String => Strings.Select(v => (Describe(v), (object)v)),
            FieldType.Bytes => [("empty bytes", ByteString.Empty), ("64 KiB + 1 bytes", ByteString.CopyFrom(new byte[(64 << 10) + 1])), ("1 MiB of bytes", ByteString.CopyFrom(new byte[1 << 20]))],
            FieldType.Bool => [("true", true)],
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => new[] { 1, -1, int.MinValue, int.MaxValue }.Select(v => (v.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)v)),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => new[] { 1L, -1L, long.MinValue, long.MaxValue }.Select(v => (v.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)v)),
            FieldType.UInt32 or FieldType.Fixed32 => new[] { 1u, 4096u, uint.MaxValue }.Select(v => (v.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)v)),
            FieldType.UInt64 or FieldType.Fixed64 => new[] { 1UL, 511UL, (ulong)long.MaxValue + 1, ulong.MaxValue }.Select(v => (v.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)v)),
            FieldType.Double => new[] { double.NaN, double.PositiveInfinity, -1.0 }.Select(v => (v.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)v)),
            FieldType.Float => new[] { float.NaN, float.NegativeInfinity }.Select(v => (v.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)v)),
            FieldType.Enum => new[] { 1, 99, -1, int.MaxValue }.Select(v => ($"enum value {v}", Enum.ToObject(field.EnumType.ClrType, v))),
            FieldType.Message => [("empty message", field.MessageType.Parser.ParseFrom(ByteString.Empty))],
            _ => [],
        };
    }

    /// <summary>Whether <paramref name="field"/> of <paramref name="message"/> differs from its default.</summary>
    public static bool IsSet(FieldDescriptor field, IMessage message)
    {
        var value = field.Accessor.GetValue(message);
        return value switch
        {
            null => false,
            IList list => list.Count > 0,
            IDictionary map => map.Count > 0,
            string text => text.Length > 0,
            ByteString bytes => !bytes.IsEmpty,
            IMessage => true,
            Enum e => Convert.ToInt32(e, System.Globalization.CultureInfo.InvariantCulture) != 0,
            bool b => b,
            _ => !value.Equals(Activator.CreateInstance(value.GetType())),
        };
    }

    /// <summary>Sets one field: a repeated one gets the value as its only element, or <paramref name="copies"/> of it.</summary>
    public static void Set(IMessage message, FieldDescriptor field, object value, int copies = 1)
    {
        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(message);
            for (var i = 0; i < copies; i++)
            {
                list.Add(value);
            }
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    public static string Describe(string value) => value.Length switch
    {
        0 => "empty string",
        > 40 => $"{value.Length}-character string",
        _ => "\"" + string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + "\"",
    };
}
