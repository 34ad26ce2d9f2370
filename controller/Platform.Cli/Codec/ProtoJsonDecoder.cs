using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Platform.Cli.Codec;

/// <summary>
/// Protobuf wire bytes → JSON for a message known only by its descriptor, in the proto3 JSON
/// mapping's shape: lowerCamel names, 64-bit integers as strings, enums by name, bytes as base64,
/// maps as objects. Shows what is on the wire: proto3 leaves default values off, and so does this.
/// Fields the descriptor does not know are skipped.
/// </summary>
internal static class ProtoJsonDecoder
{
    public static JsonObject Decode(MessageDescriptor descriptor, byte[] wire)
    {
        var result = new JsonObject();
        var input = new CodedInputStream(wire);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            if (field is null)
            {
                input.SkipLastField();
                continue;
            }
            var wireType = WireFormat.GetTagWireType(tag);
            if (field.IsMap)
            {
                var entry = Decode(field.MessageType, input.ReadBytes().ToByteArray());
                var keyField = field.MessageType.FindFieldByNumber(1);
                var valueField = field.MessageType.FindFieldByNumber(2);
                var key = entry[keyField.JsonName]?.ToString() ?? DefaultKey(keyField);
                var map = result[field.JsonName] as JsonObject ?? new JsonObject();
                result[field.JsonName] = map;
                map[key] = entry[valueField.JsonName]?.DeepClone() ?? DefaultValue(valueField);
            }
            else if (field.IsRepeated)
            {
                var array = result[field.JsonName] as JsonArray ?? new JsonArray();
                result[field.JsonName] = array;
                if (wireType == WireFormat.WireType.LengthDelimited && IsPackable(field.FieldType))
                {
                    var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while (!packed.IsAtEnd)
                    {
                        array.Add(ReadValue(packed, field));
                    }
                }
                else
                {
                    array.Add(ReadValue(input, field));
                }
            }
            else
            {
                result[field.JsonName] = ReadValue(input, field);
            }
        }
        return result;
    }

    private static bool IsPackable(FieldType type) => type is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);

    private static JsonNode? ReadValue(CodedInputStream input, FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double => JsonDouble(input.ReadDouble()),
        FieldType.Float => JsonDouble(input.ReadFloat()),
        FieldType.Int64 => JsonValue.Create(input.ReadInt64().ToString(CultureInfo.InvariantCulture)),
        FieldType.UInt64 => JsonValue.Create(input.ReadUInt64().ToString(CultureInfo.InvariantCulture)),
        FieldType.SInt64 => JsonValue.Create(input.ReadSInt64().ToString(CultureInfo.InvariantCulture)),
        FieldType.Fixed64 => JsonValue.Create(input.ReadFixed64().ToString(CultureInfo.InvariantCulture)),
        FieldType.SFixed64 => JsonValue.Create(input.ReadSFixed64().ToString(CultureInfo.InvariantCulture)),
        FieldType.Int32 => JsonValue.Create(input.ReadInt32()),
        FieldType.UInt32 => JsonValue.Create(input.ReadUInt32()),
        FieldType.SInt32 => JsonValue.Create(input.ReadSInt32()),
        FieldType.Fixed32 => JsonValue.Create(input.ReadFixed32()),
        FieldType.SFixed32 => JsonValue.Create(input.ReadSFixed32()),
        FieldType.Bool => JsonValue.Create(input.ReadBool()),
        FieldType.String => JsonValue.Create(input.ReadString()),
        FieldType.Bytes => JsonValue.Create(input.ReadBytes().ToBase64()),
        FieldType.Enum => EnumValue(field.EnumType, input.ReadEnum()),
        FieldType.Message => Decode(field.MessageType, input.ReadBytes().ToByteArray()),
        _ => throw new ProtoJsonException($"{field.FullName}: the type {field.FieldType} is not supported"),
    };

    // The JSON mapping spells the non-finite values as strings.
    private static JsonValue JsonDouble(double value) =>
        double.IsNaN(value) ? JsonValue.Create("NaN")
        : double.IsPositiveInfinity(value) ? JsonValue.Create("Infinity")
        : double.IsNegativeInfinity(value) ? JsonValue.Create("-Infinity")
        : JsonValue.Create(value);

    // A number the descriptor does not name (a newer peer) stays a number.
    private static JsonValue EnumValue(EnumDescriptor type, int number) =>
        type.FindValueByNumber(number) is { } value ? JsonValue.Create(value.Name) : JsonValue.Create(number);

    private static string DefaultKey(FieldDescriptor keyField) => keyField.FieldType switch
    {
        FieldType.String => "",
        FieldType.Bool => "false",
        _ => "0",
    };

    private static JsonNode? DefaultValue(FieldDescriptor valueField) => valueField.FieldType switch
    {
        FieldType.Message => new JsonObject(),
        FieldType.String or FieldType.Bytes => JsonValue.Create(""),
        FieldType.Bool => JsonValue.Create(false),
        FieldType.Enum => EnumValue(valueField.EnumType, 0),
        FieldType.Int64 or FieldType.UInt64 or FieldType.SInt64 or FieldType.Fixed64 or FieldType.SFixed64 => JsonValue.Create("0"),
        _ => JsonValue.Create(0),
    };
}
