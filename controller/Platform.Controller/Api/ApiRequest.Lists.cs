using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Contracts.Limits;
using Platform.Controller.Api.Description;

namespace Platform.Controller.Api;

internal sealed partial class ApiRequest
{
    /// <summary>A list of resource ids: a JSON array, or in a form/query a comma-separated value. Duplicates are an error.</summary>
    public IReadOnlyList<string> Ids(string name, string prefix, int maxCount)
    {
        Note(ApiField.Ids(name, prefix, maxCount));
        if (!_values.TryGetValue(name, out var node) || node is null)
        {
            return [];
        }
        IEnumerable<JsonNode?> items = node switch
        {
            JsonArray array => array,
            JsonValue value when value.GetValueKind() == JsonValueKind.String =>
                value.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => (JsonNode?)JsonValue.Create(v)),
            _ => [node],
        };
        var ids = new List<string>();
        foreach (var item in items)
        {
            var id = item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (id is null || !ResourceIds.IsValid(prefix, id))
            {
                AddError(name, $"must list ids of the form {prefix}-xxxxxxxx");
                return [];
            }
            ids.Add(id);
        }
        if (ids.Count > maxCount)
        {
            AddError(name, $"must have at most {maxCount} entries");
            return [];
        }
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            AddError(name, "lists an id twice");
            return [];
        }
        return ids;
    }

    /// <summary>A JSON array of objects (in a form: the field holds the array as JSON text).</summary>
    public IReadOnlyList<JsonObject> Objects(string name, int maxCount)
    {
        Note(ApiField.Objects(name, maxCount));
        if (!_values.TryGetValue(name, out var node) || node is null)
        {
            return [];
        }
        if (node.GetValueKind() == JsonValueKind.String)
        {
            var (parsed, problem) = JsonBodies.Parse(node.GetValue<string>(), name);
            if (problem is not null)
            {
                AddError(name, $"must be a JSON array of objects ({problem.Message})");
                return [];
            }
            node = parsed;
        }
        if (node is not JsonArray array || array.Any(item => item is not JsonObject))
        {
            AddError(name, "must be an array of objects");
            return [];
        }
        if (array.Count > maxCount)
        {
            AddError(name, $"must have at most {maxCount} entries");
            return [];
        }
        return array.Cast<JsonObject>().ToList();
    }

    /// <summary>Reads an element of <see cref="Objects"/> with the same rules, its errors named <c>field[i].name</c>.</summary>
    public ApiRequest Nested(string field, int index, JsonObject item)
    {
        var nested = new ApiRequest(item.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal));
        nested._prefix = $"{field}[{index}].";
        nested._parent = this;
        return nested;
    }

    /// <summary>
    /// A list of whole numbers (ids): a JSON array, or in a form/query a comma-separated value or
    /// the array as JSON text (the seed's console sends <c>ids=[1,2]</c>). Duplicates are an error.
    /// </summary>
    public IReadOnlyList<long> Numbers(string name, long min, long max, int maxCount, bool required = false)
    {
        Note(ApiField.Numbers(name, min, max, maxCount, required));
        var items = ListItems(name, required);
        var numbers = new List<long>();
        foreach (var item in items)
        {
            if (!long.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            {
                AddError(name, $"must list whole numbers between {min} and {max}");
                return [];
            }
            numbers.Add(number);
        }
        return Checked(name, numbers, maxCount);
    }

    /// <summary>A list of image ids (as <see cref="ImageId"/> reads one), in any form <see cref="Numbers"/> takes.</summary>
    public IReadOnlyList<string> ImageIds(string name, int maxCount, bool required = false)
    {
        Note(ApiField.ImageIds(name, maxCount, required));
        var items = ListItems(name, required);
        if (items.Any(id => !RbdLimits.IsValidName(id)))
        {
            AddError(name, $"must list image ids such as ami-0a1b2c3d ({RbdLimits.NameRule})");
            return [];
        }
        return Checked(name, items, maxCount);
    }

    /// <summary>Whether the field was sent at all, even as null (null then means "clear it").</summary>
    public bool Sent(string name) => _values.ContainsKey(name);

    /// <summary>A string or number field as text (numbers in their JSON spelling); null when absent, an error for anything else.</summary>
    public string? Scalar(string name, bool required = false)
    {
        Note(ApiField.Scalar(name, required));
        if (!TryGetScalar(name, required, out var node))
        {
            return null;
        }
        switch (node.GetValueKind())
        {
            case JsonValueKind.String:
                return node.GetValue<string>();
            case JsonValueKind.Number:
                return node.ToJsonString();
            default:
                AddError(name, "must be a string or a number");
                return null;
        }
    }

    private List<T> Checked<T>(string name, List<T> items, int maxCount)
    {
        if (items.Count > maxCount)
        {
            AddError(name, $"must have at most {maxCount} entries");
            return [];
        }
        if (items.Distinct().Count() != items.Count)
        {
            AddError(name, "lists an entry twice");
            return [];
        }
        return items;
    }

    /// <summary>The list's entries as text; an empty list when absent (an error when required).</summary>
    private List<string> ListItems(string name, bool required)
    {
        if (!_values.TryGetValue(name, out var node) || node is null)
        {
            if (required)
            {
                AddError(name, "is required");
            }
            return [];
        }
        if (node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().TrimStart().StartsWith('['))
        {
            var (parsed, problem) = JsonBodies.Parse(node.GetValue<string>(), name);
            if (problem is not null)
            {
                AddError(name, $"is not a valid JSON array: {problem.Message}");
                return [];
            }
            node = parsed;
        }
        IEnumerable<JsonNode?> items = node switch
        {
            JsonArray array => array,
            JsonValue value when value.GetValueKind() == JsonValueKind.String =>
                value.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => (JsonNode?)JsonValue.Create(v)),
            _ => [node],
        };
        var texts = new List<string>();
        foreach (var item in items)
        {
            switch (item?.GetValueKind())
            {
                case JsonValueKind.String:
                    texts.Add(item.GetValue<string>());
                    break;
                case JsonValueKind.Number:
                    texts.Add(item.ToJsonString());
                    break;
                default:
                    AddError(name, "must list numbers or strings");
                    return [];
            }
        }
        return texts;
    }
}
