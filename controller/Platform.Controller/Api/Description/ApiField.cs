using System.Globalization;

namespace Platform.Controller.Api.Description;

/// <summary>How <see cref="ApiRequest"/> reads a field: the reader it goes through.</summary>
internal enum ApiFieldKind
{
    Text,
    Id,
    ImageId,
    Integer,
    Boolean,
    Choice,
    Scalar,
    IdList,
    NumberList,
    ImageIdList,
    ObjectList,
}

/// <summary>
/// One request field as the REST API reads it: its name, the reader, whether it is required and
/// its limits. <see cref="ApiRequest"/>'s readers note one of these for every field they read, and
/// the endpoints describe their fields with the same factories, so the OpenAPI document and the
/// validation are compared field by field (<see cref="ApiDescriptionGuard"/>).
/// </summary>
internal sealed record ApiField(
    string Name,
    ApiFieldKind Kind,
    bool Required = false,
    long? Minimum = null,
    long? Maximum = null,
    TextRule? Rule = null,
    string? IdPrefix = null,
    IReadOnlyList<string>? Allowed = null,
    int? MaxItems = null)
{
    /// <summary>What the field is for, in the document; not part of what is compared.</summary>
    public string? Description { get; init; }

    /// <summary>Other names the field is accepted under (an older spelling).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Required only in some requests (e.g. unless another field is given): the document says it is optional.</summary>
    public bool SometimesRequired { get; init; }

    /// <summary>Nested fields of each element of an <see cref="ApiFieldKind.ObjectList"/>.</summary>
    public IReadOnlyList<ApiField> ItemFields { get; init; } = [];

    public static ApiField Text(string name, TextRule rule, bool required = false) => new(name, ApiFieldKind.Text, required, Rule: rule);

    public static ApiField Id(string name, string prefix, bool required = true) => new(name, ApiFieldKind.Id, required, IdPrefix: prefix);

    public static ApiField ImageId(string name, bool required = true) => new(name, ApiFieldKind.ImageId, required);

    public static ApiField Integer(string name, long min, long max, bool required = false) => new(name, ApiFieldKind.Integer, required, min, max);

    public static ApiField Boolean(string name, bool required = false) => new(name, ApiFieldKind.Boolean, required);

    public static ApiField Choice(string name, IReadOnlyList<string> allowed, bool required = false) => new(name, ApiFieldKind.Choice, required, Allowed: allowed);

    public static ApiField Scalar(string name, bool required = false) => new(name, ApiFieldKind.Scalar, required);

    public static ApiField Ids(string name, string prefix, int maxCount) => new(name, ApiFieldKind.IdList, IdPrefix: prefix, MaxItems: maxCount);

    public static ApiField Numbers(string name, long min, long max, int maxCount, bool required = false) =>
        new(name, ApiFieldKind.NumberList, required, min, max, MaxItems: maxCount);

    public static ApiField ImageIds(string name, int maxCount, bool required = false) => new(name, ApiFieldKind.ImageIdList, required, MaxItems: maxCount);

    public static ApiField Objects(string name, int maxCount) => new(name, ApiFieldKind.ObjectList, MaxItems: maxCount);

    /// <summary>page_num and page_size, as <see cref="ApiRequest.Paging"/> reads them.</summary>
    public static IReadOnlyList<ApiField> Paging { get; } =
    [
        Integer("page_num", 1, Api.Paging.MaxPageNum) with { Description = "the page, from 1" },
        Integer("page_size", 1, Api.Paging.MaxPageSize) with { Description = $"items per page (default {Api.Paging.DefaultPageSize})" },
    ];

    /// <summary>Whether the field is read as an array (a JSON array; in a form or query also comma-separated).</summary>
    public bool IsList => Kind is ApiFieldKind.IdList or ApiFieldKind.NumberList or ApiFieldKind.ImageIdList or ApiFieldKind.ObjectList;

    /// <summary>Whether a read of <paramref name="read"/> is this field: same reader, same limits, a name it goes by.</summary>
    public bool Describes(ApiField read) =>
        (read.Name == Name || Aliases.Contains(read.Name, StringComparer.Ordinal))
        && string.Equals(Limits(this), Limits(read), StringComparison.Ordinal)
        && (SometimesRequired || Required == read.Required);

    /// <summary>The reader and its limits, as text to compare.</summary>
    public static string Limits(ApiField f) => string.Create(CultureInfo.InvariantCulture,
        $"{f.Kind} min={f.Minimum} max={f.Maximum} rule={f.Rule} prefix={f.IdPrefix} allowed={string.Join('|', f.Allowed ?? [])} items={f.MaxItems}");
}
