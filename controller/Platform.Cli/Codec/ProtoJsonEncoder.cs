using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Platform.Cli.Codec;

/// <summary>
/// JSON → protobuf wire bytes for a message known only by its descriptor (C# protobuf has no
/// dynamic message). Follows the proto3 JSON mapping for what the agent's contract uses:
/// scalars (64-bit integers as numbers or strings), enums by name or number, bytes as base64,
/// nested messages, repeated fields and maps. Field names are the JSON names (lowerCamel) or the
/// proto names. Well-known types are encoded as the plain messages they are.
/// </summary>
internal static class ProtoJsonEncoder
{
    /// <summary>The message's wire bytes; an unknown field or a value of the wrong kind is a <see cref="ProtoJsonException"/>.</summary>
    public static byte[] Encode(MessageDescriptor descriptor, string json)
    {
        using var document = ParseJson(json);
        return Encode(descriptor, document.RootElement, descriptor.FullName);
    }

    private static JsonDocument ParseJson(string json)
    {
        try
        {
            return JsonDocument.Parse(json.Trim().Length == 0 ? "{}" : json);
        }
        catch (JsonException e)
        {
            throw new ProtoJsonException($"the data is not JSON: {e.Message}");
        }
    }

    private static byte[] Encode(MessageDescriptor descriptor, JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new ProtoJsonException($"{path}: a {descriptor.FullName} is a JSON object, not {Describe(json)}");
        }
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var property in json.EnumerateObject())
        {
            var field = FindField(descriptor, property.Name)
                ?? throw new ProtoJsonException($"{path}: {descriptor.FullName} has no field '{property.Name}' (fields: {string.Join(", ", descriptor.Fields.InDeclarationOrder().Select(f => f.JsonName))})");
            var fieldPath = $"{path}.{field.JsonName}";
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (field.IsMap)
            {
                WriteMap(output, field, value, fieldPath);
            }
            else if (field.IsRepeated)
            {
                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw new ProtoJsonException($"{fieldPath}: a repeated field is a JSON array, not {Describe(value)}");
                }
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    WriteField(output, field, item, $"{fieldPath}[{index++}]");
                }
            }
            else
            {
                WriteField(output, field, value, fieldPath);
            }
        }
        output.Flush();
        return buffer.ToArray();
    }

    private static FieldDescriptor? FindField(MessageDescriptor descriptor, string name) =>
        descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name || f.Name == name);

    private static void WriteMap(CodedOutputStream output, FieldDescriptor field, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ProtoJsonException($"{path}: a map is a JSON object, not {Describe(value)}");
        }
        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        foreach (var entry in value.EnumerateObject())
        {
            using var buffer = new MemoryStream();
            var entryOutput = new CodedOutputStream(buffer);
            WriteScalar(entryOutput, keyField, KeyAsJson(keyField, entry.Name, $"{path}[{entry.Name}]"), $"{path}[{entry.Name}]");
            WriteField(entryOutput, valueField, entry.Value, $"{path}[{entry.Name}]");
            entryOutput.Flush();
            output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(buffer.ToArray()));
        }
    }

    // Map keys are JSON strings whatever their type: read them back as the key field's JSON value.
    private static JsonElement KeyAsJson(FieldDescriptor keyField, string key, string path)
    {
        var json = keyField.FieldType switch
        {
            FieldType.String => JsonSerializer.Serialize(key),
            FieldType.Bool => key is "true" or "false" ? key : throw new ProtoJsonException($"{path}: a bool map key is true or false"),
            _ => JsonSerializer.Serialize(key),
        };
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static void WriteField(CodedOutputStream output, FieldDescriptor field, JsonElement value, string path)
    {
        if (field.FieldType == FieldType.Message)
        {
            var bytes = Encode(field.MessageType, value, path);
            output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(bytes));
        }
        else if (field.FieldType == FieldType.Group)
        {
            throw new ProtoJsonException($"{path}: groups are not supported");
        }
        else
        {
            WriteScalar(output, field, value, path);
        }
    }

    private static void WriteScalar(CodedOutputStream output, FieldDescriptor field, JsonElement value, string path)
    {
        var number = field.FieldNumber;
        switch (field.FieldType)
        {
            case FieldType.Double:
                output.WriteTag(number, WireFormat.WireType.Fixed64);
                output.WriteDouble(ReadDouble(value, path));
                break;
            case FieldType.Float:
                output.WriteTag(number, WireFormat.WireType.Fixed32);
                output.WriteFloat((float)ReadDouble(value, path));
                break;
            case FieldType.Int64:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteInt64(ReadInteger<long>(value, path));
                break;
            case FieldType.UInt64:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteUInt64(ReadInteger<ulong>(value, path));
                break;
            case FieldType.Int32:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteInt32(ReadInteger<int>(value, path));
                break;
            case FieldType.UInt32:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteUInt32(ReadInteger<uint>(value, path));
                break;
            case FieldType.SInt32:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteSInt32(ReadInteger<int>(value, path));
                break;
            case FieldType.SInt64:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteSInt64(ReadInteger<long>(value, path));
                break;
            case FieldType.Fixed32:
                output.WriteTag(number, WireFormat.WireType.Fixed32);
                output.WriteFixed32(ReadInteger<uint>(value, path));
                break;
            case FieldType.Fixed64:
                output.WriteTag(number, WireFormat.WireType.Fixed64);
                output.WriteFixed64(ReadInteger<ulong>(value, path));
                break;
            case FieldType.SFixed32:
                output.WriteTag(number, WireFormat.WireType.Fixed32);
                output.WriteSFixed32(ReadInteger<int>(value, path));
                break;
            case FieldType.SFixed64:
                output.WriteTag(number, WireFormat.WireType.Fixed64);
                output.WriteSFixed64(ReadInteger<long>(value, path));
                break;
            case FieldType.Bool:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteBool(value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new ProtoJsonException($"{path}: a bool is true or false, not {Describe(value)}"),
                });
                break;
            case FieldType.String:
                output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                output.WriteString(value.ValueKind == JsonValueKind.String
                    ? value.GetString()!
                    : throw new ProtoJsonException($"{path}: a string is a JSON string, not {Describe(value)}"));
                break;
            case FieldType.Bytes:
                output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(ReadBase64(value, path)));
                break;
            case FieldType.Enum:
                output.WriteTag(number, WireFormat.WireType.Varint);
                output.WriteEnum(ReadEnum(field.EnumType, value, path));
                break;
            default:
                throw new ProtoJsonException($"{path}: the type {field.FieldType} is not supported");
        }
    }

    private static T ReadInteger<T>(JsonElement value, string path) where T : struct, IBinaryInteger<T>
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => throw new ProtoJsonException($"{path}: an integer is a JSON number or string, not {Describe(value)}"),
        };
        return T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ProtoJsonException($"{path}: '{text}' is not a {typeof(T).Name} integer");
    }

    private static double ReadDouble(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when value.GetString() is "NaN" => double.NaN,
        JsonValueKind.String when value.GetString() is "Infinity" => double.PositiveInfinity,
        JsonValueKind.String when value.GetString() is "-Infinity" => double.NegativeInfinity,
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new ProtoJsonException($"{path}: a number is expected, not {Describe(value)}"),
    };

    private static byte[] ReadBase64(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ProtoJsonException($"{path}: bytes are a base64 JSON string, not {Describe(value)}");
        }
        // The JSON mapping accepts the URL-safe alphabet and missing padding as well.
        var text = value.GetString()!.Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ProtoJsonException($"{path}: '{value.GetString()}' is not base64");
        }
    }

    private static int ReadEnum(EnumDescriptor type, JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return type.FindValueByName(value.GetString()!)?.Number
                ?? throw new ProtoJsonException($"{path}: {type.FullName} has no value '{value.GetString()}' (values: {string.Join(", ", type.Values.Select(v => v.Name))})");
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new ProtoJsonException($"{path}: an enum is a value name or number, not {Describe(value)}");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the bool {value.GetRawText()}",
        _ => "null",
    };
}

/// <summary>Data that does not fit the message's descriptor: bad input, with the field's path.</summary>
internal sealed class ProtoJsonException(string message) : Exception(message);
