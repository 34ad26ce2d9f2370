namespace Platform.Cli.Rest;

/// <summary>How a field's command-line value is sent.</summary>
internal enum FieldKind
{
    Text,
    Integer,
    Boolean,
    /// <summary>A comma-separated list of numbers, sent as a JSON array.</summary>
    Numbers,
    /// <summary>A comma-separated list of ids, sent as a JSON array.</summary>
    Texts,
    /// <summary>A JSON value given as is (nested objects and arrays).</summary>
    Json,
}

/// <summary>A request field the operation declares, offered as <c>--field-name</c>.</summary>
internal sealed record RestField(string Name, FieldKind Kind, string Description)
{
    public string OptionName => "--" + Name.Replace('_', '-');
}

/// <summary>How the request carries its fields.</summary>
internal enum RequestShape
{
    /// <summary>Query string (GET).</summary>
    Query,
    /// <summary>A JSON body.</summary>
    Json,
    /// <summary>A multipart form: the file of --file plus the fields.</summary>
    Upload,
    /// <summary>A file download (GET of a path with the file's name) to --out.</summary>
    Download,
}

/// <summary>
/// One REST operation of the controller as a subcommand: <c>platformctl GROUP NAME</c> does
/// <see cref="Method"/> <see cref="Path"/>. The route-coverage test holds this catalogue
/// against the controller's own route table.
/// </summary>
internal sealed record RestOperation(
    string Group, string Name, string Method, string Path, RequestShape Shape, string Description, IReadOnlyList<RestField> Fields)
{
    /// <summary>The route pattern as the controller maps it (a download's path ends in its {name} parameter).</summary>
    public string Pattern => Shape == RequestShape.Download ? Path + "{name}" : Path;
}
