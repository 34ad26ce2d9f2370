using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using Platform.Contracts.Limits;
using Platform.Controller.Api.Description;

namespace Platform.Controller.Api;

/// <summary>
/// The parameters of one /api/v1 call, from the query string and a JSON or form-encoded body
/// (the body wins), with typed readers that collect every problem instead of stopping at the
/// first: a handler reads all its fields, then checks <see cref="Errors"/> once.
/// </summary>
internal sealed partial class ApiRequest
{
    // Every /api/v1 body is small; a larger one is a mistake or an attack.
    public const int MaxBodyBytes = 1 << 20;

    private readonly Dictionary<string, JsonNode?> _values;
    private readonly List<FieldError> _errors = [];
    // Every field a handler asked for, as it asked: compared with the endpoint's description.
    private readonly List<ApiField> _read = [];
    // Set on an element of an array field: its errors go to the parent, named field[i].name.
    private string _prefix = "";
    private ApiRequest? _parent;

    private ApiRequest(Dictionary<string, JsonNode?> values) => _values = values;

    public IReadOnlyList<FieldError> Errors => _errors;

    /// <summary>The fields the handler read (not those of nested elements), with the rules it read them by.</summary>
    public IReadOnlyList<ApiField> FieldsRead => _read;

    public bool IsValid => _errors.Count == 0;


    public ApiError ValidationError => ApiError.Validation(_errors);

    public static ApiRequest FromValues(IEnumerable<KeyValuePair<string, string>> values) =>
        new(values.ToDictionary(v => v.Key, v => (JsonNode?)JsonValue.Create(v.Value), StringComparer.Ordinal));

    /// <summary>
    /// Reads the request; a body that is not JSON/form, does not parse, is larger than
    /// <see cref="MaxBodyBytes"/> (with or without Content-Length) or carries text no field may
    /// hold is an <see cref="ApiError"/>.
    /// </summary>
    public static async Task<ApiResult<ApiRequest>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Also a chunked body: Kestrel stops reading past it (BadHttpRequestException 413).
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (TextProblem(request.Query) is { } queryProblem)
        {
            return ApiError.Validation([queryProblem]);
        }
        AddStrings(values, request.Query);

        if (request.ContentLength is > MaxBodyBytes)
        {
            return TooLarge;
        }
        try
        {
            if (request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
            {
                return new ApiError(ApiErrorCode.MalformedRequest, "the body must be application/json or application/x-www-form-urlencoded, not multipart");
            }
            if (request.HasFormContentType)
            {
                IFormCollection form;
                try
                {
                    form = await request.ReadFormAsync(cancellationToken);
                }
                catch (InvalidDataException e)
                {
                    // Form limits (1,024 keys, 2,048-character keys) and malformed encodings.
                    return new ApiError(ApiErrorCode.MalformedRequest, $"the form body is not acceptable: {e.Message}");
                }
                if (TextProblem(form) is { } formProblem)
                {
                    return ApiError.Validation([formProblem]);
                }
                AddStrings(values, form);
            }
            else if (request.HasJsonContentType())
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer, cancellationToken);
                if (buffer.Length > MaxBodyBytes)
                {
                    return TooLarge;
                }
                var (body, problem) = JsonBodies.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
                if (problem is not null)
                {
                    return problem.Message.StartsWith("is not valid JSON", StringComparison.Ordinal)
                        ? new ApiError(ApiErrorCode.MalformedRequest, $"the body {problem.Message}")
                        : ApiError.Validation([problem]);
                }
                if (body is not JsonObject json)
                {
                    return new ApiError(ApiErrorCode.MalformedRequest, "the JSON body must be an object");
                }
                foreach (var (key, value) in json)
                {
                    values[key] = value?.DeepClone();
                }
            }
            else if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
            {
                return new ApiError(ApiErrorCode.MalformedRequest, "the body must be application/json or application/x-www-form-urlencoded");
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge;
        }
        return new ApiRequest(values);
    }

    private static ApiError TooLarge { get; } = new(ApiErrorCode.BodyTooLarge, $"the request body is larger than {MaxBodyBytes} bytes");

    /// <summary>
    /// A NUL character in a key: no field has such a name (a NUL in a value is for the field's own
    /// rule to refuse, beside every other problem of the request).
    /// </summary>
    private static FieldError? TextProblem(IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        foreach (var (key, _) in source)
        {
            if (key.Contains('\0', StringComparison.Ordinal))
            {
                return new FieldError(key.Replace("\0", "", StringComparison.Ordinal), "is a field name with a NUL character");
            }
        }
        return null;
    }

    private static void AddStrings(Dictionary<string, JsonNode?> values, IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        foreach (var (key, value) in source)
        {
            values[key] = value.Count == 1 ? JsonValue.Create(value[0]) : new JsonArray(value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        }
    }

    public void AddError(string field, string message) => AddErrorCore(field, message);

    public bool Has(string name) => _values.TryGetValue(name, out var node) && node is not null;

    /// <summary>A free-text or name field. Null when absent (and not required).</summary>
    public string? Text(string name, TextRule rule, bool required = false)
    {
        Note(ApiField.Text(name, rule, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            AddError(name, "must be a string");
            return null;
        }
        var text = node.GetValue<string>();
        if (rule.Check(text) is { } problem)
        {
            AddError(name, problem);
            return null;
        }
        return text;
    }

    /// <summary>A resource id such as <c>ami-0a1b2c3d</c>.</summary>
    public string? Id(string name, string prefix, bool required = true)
    {
        Note(ApiField.Id(name, prefix, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        var id = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        if (id is null || !ResourceIds.IsValid(prefix, id))
        {
            AddError(name, $"must be an id of the form {prefix}-xxxxxxxx (8 lowercase hex digits)");
            return null;
        }
        return id;
    }

    /// <summary>
    /// An image id: the platform's own <c>ami-xxxxxxxx</c> or the name a registered RBD image
    /// already had (<c>ami-AB112345</c>, <c>win10-golden</c>): any name <see cref="RbdLimits"/> allows.
    /// </summary>
    public string? ImageId(string name, bool required = true)
    {
        Note(ApiField.ImageId(name, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        var id = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        if (!RbdLimits.IsValidName(id))
        {
            AddError(name, $"must be an image id such as ami-0a1b2c3d or the name of a registered RBD image ({RbdLimits.NameRule})");
            return null;
        }
        return id;
    }

    /// <summary>
    /// The name the caller sent a field under: <paramref name="name"/>, or <paramref name="alias"/>
    /// (an older spelling) when only that is present, so that errors name what the caller sent.
    /// Both present with different values is an error.
    /// </summary>
    public string Named(string name, string alias)
    {
        var hasName = _values.TryGetValue(name, out var value) && value is not null;
        var hasAlias = _values.TryGetValue(alias, out var aliased) && aliased is not null;
        if (hasName && hasAlias && !JsonNode.DeepEquals(value, aliased))
        {
            AddError(name, $"is given twice, also as {alias} with another value; give one of them");
        }
        return !hasName && hasAlias ? alias : name;
    }

    /// <summary>An integer within [min, max]; form values and numeric strings are accepted.</summary>
    public long? Integer(string name, long min, long max, bool required = false)
    {
        Note(ApiField.Integer(name, min, max, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        long number;
        switch (node.GetValueKind())
        {
            case JsonValueKind.Number when node.AsValue().TryGetValue(out long n):
                number = n;
                break;
            case JsonValueKind.String when long.TryParse(node.GetValue<string>(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                number = parsed;
                break;
            default:
                AddError(name, $"must be an integer between {min} and {max}");
                return null;
        }
        if (number < min || number > max)
        {
            AddError(name, $"must be between {min} and {max}");
            return null;
        }
        return number;
    }

    public bool? Boolean(string name, bool required = false)
    {
        Note(ApiField.Boolean(name, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        switch (node.GetValueKind())
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                switch (node.GetValue<string>().ToLowerInvariant())
                {
                    case "true" or "1" or "on" or "yes":
                        return true;
                    case "false" or "0" or "off" or "no" or "":
                        return false;
                }
                break;
        }
        AddError(name, "must be true or false");
        return null;
    }

    /// <summary>
    /// One of a fixed set of values (compared case-insensitively, answered in the set's spelling);
    /// <paramref name="aliases"/> maps other accepted spellings to a value of the set.
    /// </summary>
    public string? Choice(string name, IReadOnlyList<string> allowed, bool required = false, IReadOnlyDictionary<string, string>? aliases = null)
    {
        Note(ApiField.Choice(name, allowed, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase))
            ?? aliases?.FirstOrDefault(a => string.Equals(a.Key, text, StringComparison.OrdinalIgnoreCase)).Value;
        if (match is null)
        {
            var also = aliases is { Count: > 0 } ? $" ({string.Join(", ", aliases.Select(a => $"{a.Key} is read as {a.Value}"))})" : "";
            AddError(name, $"must be one of {string.Join(", ", allowed)}{also}");
        }
        return match;
    }

    public Paging Paging()
    {
        var pageNum = (int)(Integer("page_num", 1, Api.Paging.MaxPageNum) ?? 1);
        var pageSize = (int)(Integer("page_size", 1, Api.Paging.MaxPageSize) ?? Api.Paging.DefaultPageSize);
        return new Paging(pageNum, pageSize);
    }

    private void Note(ApiField field)
    {
        if (_parent is null)
        {
            _read.Add(field);
        }
    }

    private bool TryGetScalar(string name, bool required, out JsonNode node)
    {
        node = null!;
        if (!_values.TryGetValue(name, out var value) || value is null)
        {
            if (required)
            {
                AddError(name, "is required");
            }
            return false;
        }
        if (value is JsonArray or JsonObject)
        {
            AddError(name, "must be a single value");
            return false;
        }
        node = value;
        return true;
    }

    private void AddErrorCore(string field, string message)
    {
        if (_parent is not null)
        {
            _parent.AddErrorCore(_prefix + field, message);
        }
        else
        {
            _errors.Add(new FieldError(field, message));
        }
    }
}
