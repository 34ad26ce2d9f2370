using System.Text;
using System.Text.Json.Nodes;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>A value for a field as JSON text, and whether no field of any kind can accept it.</summary>
internal sealed record JsonFuzzValue(string Name, string Json, bool Strict);

/// <summary>A value for a field in a query string or form (already percent-encoded), and whether no field can accept it.</summary>
internal sealed record TextFuzzValue(string Name, string Encoded, bool Strict);

/// <summary>The odd values every field is tried with.</summary>
internal static class FuzzValues
{
    /// <summary>Longer than any text field takes (descriptions: 1,024 characters).</summary>
    private static readonly string Long = new('x', 2_000);

    private static readonly string Huge = new('y', 200_000);

    public static IReadOnlyList<JsonFuzzValue> Json { get; } =
    [
        // Wrong types and shapes: no field takes an object or an array of arrays.
        new("object", "{}", true),
        new("nested object", """{"a":{"b":[1,{"c":null}]}}""", true),
        new("array of arrays", "[[[]]]", true),
        new("NUL in a string", "\"a\\u0000b\"", true),
        new("string over every limit", $"\"{Long}\"", true),
        new("huge string", $"\"{Huge}\"", true),
        new("number past int64", "9223372036854775808", true),
        new("number below int64", "-9223372036854775809", true),
        new("1e400", "1e400", true),
        new("-1e400", "-1e400", true),
        new("array of 10,000 numbers", "[" + string.Join(',', Enumerable.Range(0, 10_000)) + "]", true),
        // Perhaps acceptable for some field, refused by others.
        new("null", "null", false),
        new("true", "true", false),
        new("false", "false", false),
        new("zero", "0", false),
        new("negative", "-1", false),
        new("int64 min", "-9223372036854775808", false),
        new("int64 max", "9223372036854775807", false),
        new("int32 max + 1", "2147483648", false),
        new("float for an int", "1.5", false),
        new("exponent", "1e3", false),
        new("negative zero", "-0.0", false),
        new("tiny", "1e-400", false),
        new("empty string", "\"\"", false),
        new("spaces", "\"   \"", false),
        new("numeric string", "\"42\"", false),
        new("numeric string with spaces", "\" 42 \"", false),
        new("hex string", "\"0x10\"", false),
        new("NaN string", "\"NaN\"", false),
        new("Infinity string", "\"Infinity\"", false),
        new("Arabic-Indic digits", "\"\u0664\u0662\"", false),
        new("path traversal", "\"../../../etc/passwd\"", false),
        new("markup", "\"<script>alert(1)</script>\"", false),
        new("shell", "\"$(reboot);`id`|&\"", false),
        new("SQL", "\"' OR 1=1; DROP TABLE images; --\"", false),
        new("format string", "\"%s%n%x{0}{{}}\"", false),
        new("LIKE metacharacters", "\"%_[a-z]*\\\\\"", false),
        new("emoji and RTL", "\"\uD83D\uDCA9\u202Eevil\"", false),
        new("combining marks", "\"e\u0301\u0301\u0301\u0301\"", false),
        new("zero-width", "\"a\u200Bb\"", false),
        new("id-like", "\"ami-00000000\"", false),
        new("id-like uppercase", "\"AMI-0000000G\"", false),
        new("comma list", "\"1,2,,3,\"", false),
        new("empty array", "[]", false),
        new("array of strings", "[\"a\",\"a\"]", false),
        new("array of objects", "[{}]", false),
        new("array with null", "[null]", false),
    ];

    public static IReadOnlyList<TextFuzzValue> Text { get; } =
    [
        new("NUL", "a%00b", true),
        new("string over every limit", Long, true),
        new("empty", "", false),
        new("space", "+", false),
        new("invalid UTF-8", "%FF%FE", false),
        new("overlong UTF-8", "%C0%AF", false),
        new("lone surrogate as UTF-8", "%ED%A0%80", false),
        new("bad percent escape", "%zz%", false),
        new("zero", "0", false),
        new("negative", "-1", false),
        new("float", "1.5", false),
        new("past int64", "99999999999999999999", false),
        new("JSON object", Uri.EscapeDataString("{\"a\":1}"), false),
        new("JSON array", Uri.EscapeDataString("[1,2]"), false),
        new("true", "true", false),
        new("yes", "yes", false),
        new("path traversal", Uri.EscapeDataString("../../etc/passwd"), false),
        new("LIKE metacharacters", Uri.EscapeDataString("%_[a-z]*\\"), false),
        new("comma list", Uri.EscapeDataString(",,,"), false),
        new("emoji", Uri.EscapeDataString("\uD83D\uDCA9"), false),
    ];

    /// <summary>A JSON body that nests <paramref name="depth"/> arrays.</summary>
    public static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    /// <summary>The JSON object {name: value, …} as UTF-8.</summary>
    public static byte[] Object(params (string Name, string Json)[] fields) =>
        Encoding.UTF8.GetBytes("{" + string.Join(',', fields.Select(f => $"{JsonValue.Create(f.Name)!.ToJsonString()}:{f.Json}")) + "}");
}
