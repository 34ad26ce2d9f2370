using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Platform.Cli.Output;

internal enum OutputFormat
{
    Table,
    Json,
}

/// <summary>
/// Prints a result: <c>json</c> is the envelope's data exactly as the server sent it (indented),
/// for scripts; <c>table</c> is for people: a list's items as rows with one column per field,
/// an object as field/value rows, nested values as compact JSON.
/// </summary>
internal static class ResultPrinter
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // The server's names and messages (Chinese among them) stay readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Print(IAnsiConsole console, TextWriter output, OutputFormat format, JsonElement? data)
    {
        if (format == OutputFormat.Json)
        {
            output.WriteLine(data is { } value ? JsonSerializer.Serialize(value, Indented) : "null");
            output.Flush();
            return;
        }
        console.Write(Render(data));
    }

    public static string ToJson(JsonElement value) => JsonSerializer.Serialize(value, Indented);

    /// <summary>What <c>--output table</c> shows for <paramref name="data"/>.</summary>
    public static IRenderable Render(JsonElement? data)
    {
        if (data is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return new Text("ok" + Environment.NewLine);
        }
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            var footer = string.Join(", ", value.EnumerateObject().Where(p => p.Name != "items").Select(p => $"{p.Name} {Cell(p.Value)}"));
            return new Rows(RowsOf(items), new Text(footer + Environment.NewLine));
        }
        return value.ValueKind switch
        {
            JsonValueKind.Array => RowsOf(value),
            JsonValueKind.Object => FieldsOf(value),
            _ => new Text(Cell(value) + Environment.NewLine),
        };
    }

    // No borders: columns separated by spaces, as scripts and people both read them (kubectl's shape).
    private static Table NewTable() => new Table().Border(TableBorder.None);

    private static IRenderable RowsOf(JsonElement array)
    {
        var rows = array.EnumerateArray().ToList();
        if (rows.Count == 0)
        {
            return new Text("(none)" + Environment.NewLine);
        }
        var table = NewTable();
        if (rows.All(r => r.ValueKind == JsonValueKind.Object))
        {
            var columns = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var column in columns)
            {
                table.AddColumn(new TableColumn(Markup.Escape(column.ToUpperInvariant())));
            }
            foreach (var row in rows)
            {
                table.AddRow(columns.Select(c => (IRenderable)new Text(row.TryGetProperty(c, out var v) ? Cell(v) : "")).ToArray());
            }
            return table;
        }
        table.AddColumn("VALUE");
        foreach (var row in rows)
        {
            table.AddRow(new Text(Cell(row)));
        }
        return table;
    }

    private static Table FieldsOf(JsonElement value)
    {
        var table = NewTable().AddColumn("FIELD").AddColumn("VALUE");
        foreach (var property in value.EnumerateObject())
        {
            table.AddRow(new Text(property.Name), new Text(Cell(property.Value)));
        }
        return table;
    }

    /// <summary>One value as a table cell: text as is, null empty, objects and arrays as compact JSON.</summary>
    public static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.Object or JsonValueKind.Array => JsonSerializer.Serialize(value, Compact),
        _ => value.GetRawText(),
    };
}
