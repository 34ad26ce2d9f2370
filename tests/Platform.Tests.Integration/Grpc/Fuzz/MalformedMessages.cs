using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Platform.Tests.Integration.Grpc.Fuzz;

/// <summary>
/// Bytes that are not a message of a type, or only look like one: random, truncated, wrong wire
/// types, lengths past the end, overlong varints, invalid field numbers, invalid UTF-8, deep
/// group nesting. A candidate that parses into a message with any known field set is dropped: it
/// would be a request like any other, not a malformed one.
/// </summary>
internal static class MalformedMessages
{
    public static IEnumerable<(string What, byte[] Bytes)> For(MessageDescriptor type, byte[] wellFormed, Random random)
    {
        return Candidates(type, wellFormed, random).Where(c => !ParsesToRequest(type, c.Bytes));
    }

    private static IEnumerable<(string What, byte[] Bytes)> Candidates(MessageDescriptor type, byte[] wellFormed, Random random)
    {
        foreach (var length in new[] { 1, 2, 3, 5, 8, 16, 64, 256, 4096 })
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            yield return ($"{length} random bytes", bytes);
        }
        for (var cut = 1; cut < wellFormed.Length; cut += Math.Max(1, wellFormed.Length / 7))
        {
            yield return ($"well-formed cut at {cut} of {wellFormed.Length}", wellFormed[..cut]);
        }
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            var number = (uint)field.FieldNumber;
            foreach (var wire in new[] { WireFormat.WireType.Varint, WireFormat.WireType.Fixed64, WireFormat.WireType.LengthDelimited, WireFormat.WireType.Fixed32 })
            {
                yield return ($"{field.Name} as wire type {wire}", [.. Varint(WireFormat.MakeTag((int)number, wire)), .. WirePayload(wire)]);
            }
            yield return ($"{field.Name} with wire type 6", [.. Varint((number << 3) | 6), 1]);
            yield return ($"{field.Name} with wire type 7", [.. Varint((number << 3) | 7), 1]);
            yield return ($"{field.Name} opening a group never closed", [.. Varint((number << 3) | 3), 8, 1]);
            yield return ($"{field.Name} closing a group never opened", [.. Varint((number << 3) | 4)]);
            var delimited = Varint(WireFormat.MakeTag((int)number, WireFormat.WireType.LengthDelimited));
            yield return ($"{field.Name} length 2^31-1", [.. delimited, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3]);
            yield return ($"{field.Name} length 2^32-1", [.. delimited, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1]);
            yield return ($"{field.Name} length -1", [.. delimited, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 1]);
            yield return ($"{field.Name} length past the end", [.. delimited, 100, 1, 2, 3]);
            yield return ($"{field.Name} invalid UTF-8", [.. delimited, 4, 0xC3, 0x28, 0xFF, 0xFE]);
            yield return ($"{field.Name} overlong varint", [.. Varint(WireFormat.MakeTag((int)number, WireFormat.WireType.Varint)), .. Enumerable.Repeat((byte)0xFF, 11), 0x01]);
            yield return ($"{field.Name} truncated varint", [.. Varint(WireFormat.MakeTag((int)number, WireFormat.WireType.Varint)), 0x80, 0x80]);
            yield return ($"{field.Name} truncated fixed64", [.. Varint(WireFormat.MakeTag((int)number, WireFormat.WireType.Fixed64)), 1, 2, 3]);
        }
        yield return ("field number 0", [0x02, 1, 0x41]);
        yield return ("field number past 2^29", [.. Varint(0xFFFFFFF8), 1]);
        yield return ("groups nested 500 deep", [.. Enumerable.Repeat<byte>(0x9B, 500).SelectMany(b => new byte[] { b, 0x06 }), .. Enumerable.Repeat<byte>(0x9C, 500).SelectMany(b => new byte[] { b, 0x06 })]);
        yield return ("length-delimited nested 200 deep", Nested(200));
        var tail = new byte[32];
        random.NextBytes(tail);
        yield return ("well-formed then random", [.. wellFormed, .. tail]);
    }

    /// <summary>Whether the bytes parse into a message that sets any field its type knows (then it is a request, not garbage).</summary>
    private static bool ParsesToRequest(MessageDescriptor type, byte[] bytes)
    {
        IMessage message;
        try
        {
            message = type.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
        return type.Fields.InDeclarationOrder().Any(field => GrpcFuzzValues.IsSet(field, message));
    }

    private static byte[] WirePayload(WireFormat.WireType wire) => wire switch
    {
        WireFormat.WireType.Varint => [0x96, 0x01],
        WireFormat.WireType.Fixed64 => [1, 2, 3, 4, 5, 6, 7, 8],
        WireFormat.WireType.Fixed32 => [1, 2, 3, 4],
        _ => [3, 0xFF, 0x00, 0x7F],
    };

    /// <summary>An unknown field 15 wrapping itself <paramref name="depth"/> times.</summary>
    private static byte[] Nested(int depth)
    {
        byte[] inner = [];
        for (var i = 0; i < depth; i++)
        {
            inner = [0x7A, .. Varint((uint)inner.Length), .. inner];
        }
        return inner;
    }

    private static byte[] Varint(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            var low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? low : (byte)(low | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
