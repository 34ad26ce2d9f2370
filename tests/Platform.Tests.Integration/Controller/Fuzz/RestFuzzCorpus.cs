using System.Text;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>
/// The generated bad-input corpus of one route, deterministic for a seed: odd values for every
/// field it reads (JSON, form, query), then bodies, content types, methods, paths, limits and
/// credentials. A request to a route that changes something always carries at least one value
/// no field can take, so whatever else is odd in it, nothing may be stored.
/// </summary>
internal static partial class RestFuzzCorpus
{
    private static readonly KeyValuePair<string, string> Json = new("Content-Type", "application/json");
    private static readonly KeyValuePair<string, string> Form = new("Content-Type", "application/x-www-form-urlencoded");

    public static IEnumerable<FuzzCase> For(RouteProfile profile, int seed, string? terminalToken)
    {
        var random = new Random(seed ^ StableHash(profile.ToString()));
        return FieldCases(profile, random)
            .Concat(BodyCases(profile, random))
            .Concat(MethodCases(profile))
            .Concat(PathCases(profile))
            .Concat(LimitCases(profile))
            .Concat(CredentialCases(profile, terminalToken));
    }

    private static IEnumerable<FuzzCase> FieldCases(RouteProfile profile, Random random)
    {
        var fields = profile.Fields;
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            // A value no field takes, in another field the route reads, keeps a mutating request refused.
            var poison = fields.Count > 1 ? fields[(i + 1) % fields.Count] : null;
            foreach (var value in FuzzValues.Json)
            {
                if (Body(profile, value.Strict, poison, (field, value.Json)) is { } body)
                {
                    yield return Case(profile, $"{field} = {value.Name} (JSON)", Json, body.Bytes, body.Expect);
                }
            }
            foreach (var value in FuzzValues.Text)
            {
                var strict = value.Strict;
                var encoded = $"{Uri.EscapeDataString(field)}={value.Encoded}";
                if (!profile.Mutates)
                {
                    yield return new FuzzCase(profile.ToString(), $"{field} = {value.Name} (query)",
                        new RawRequest(profile.Method, $"{profile.Path}?{encoded}", [], []), strict ? Expectation.Refused : Expectation.Answered);
                    continue;
                }
                if (!strict && poison is null)
                {
                    continue;
                }
                var form = strict ? encoded : $"{encoded}&{Uri.EscapeDataString(poison!)}=a%00b";
                yield return Case(profile, $"{field} = {value.Name} (form)", Form, Encoding.ASCII.GetBytes(form), Expectation.Refused);
            }
            // The same field twice: in a form a list, in JSON refused outright.
            yield return Case(profile, $"{field} twice (JSON)", Json, Encoding.UTF8.GetBytes($"{{\"{field}\":1,\"{field}\":\"1\"}}"), Expectation.Refused);
            if (poison is not null || !profile.Mutates)
            {
                var twice = $"{field}=1&{field}=2" + (profile.Mutates ? $"&{poison}=a%00b" : "");
                yield return Case(profile, $"{field} twice (form)", Form, Encoding.ASCII.GetBytes(twice), profile.Mutates ? Expectation.Refused : Expectation.Answered);
            }
            if (profile.Nested.TryGetValue(field, out var nested))
            {
                foreach (var inner in NestedCases(profile, field, nested, poison, random))
                {
                    yield return inner;
                }
            }
        }
        if (fields.Count > 0)
        {
            foreach (var value in FuzzValues.Json.Where(v => v.Strict || !profile.Mutates))
            {
                var all = FuzzValues.Object(fields.Select(f => (f, value.Json)).ToArray());
                yield return Case(profile, $"every field = {value.Name}", Json, all, value.Strict ? Expectation.Refused : Expectation.Answered);
            }
            var extra = FuzzValues.Object([(fields[0], "{}"), ("zz_not_a_field", "1"), ("", "2"), ("\\u00e9\\u0301", "[]")]);
            yield return Case(profile, "unknown fields beside a bad one", Json, extra, Expectation.Refused);
        }
    }

    private static IEnumerable<FuzzCase> NestedCases(RouteProfile profile, string field, IReadOnlyList<string> nested, string? poison, Random random)
    {
        for (var j = 0; j < nested.Count; j++)
        {
            var inner = nested[j];
            var sibling = nested.Count > 1 ? nested[(j + 1) % nested.Count] : null;
            foreach (var value in FuzzValues.Json)
            {
                var element = sibling is not null && !value.Strict
                    ? FuzzValues.Object((inner, value.Json), (sibling, "{}"))
                    : FuzzValues.Object((inner, value.Json));
                var strict = value.Strict || sibling is not null;
                if (Body(profile, strict, poison, (field, $"[{Encoding.UTF8.GetString(element)}]")) is { } body)
                {
                    yield return Case(profile, $"{field}[0].{inner} = {value.Name}", Json, body.Bytes, body.Expect);
                }
            }
        }
        var many = "[" + string.Join(',', Enumerable.Range(0, 2_000).Select(_ => "{}")) + "]";
        yield return Case(profile, $"{field} with 2,000 elements", Json, FuzzValues.Object((field, many)), profile.Mutates ? Expectation.Refused : Expectation.Answered);
        var shuffled = nested.OrderBy(_ => random.Next()).ToArray();
        var duplicated = "[{" + string.Join(',', shuffled.Select(n => $"\"{n}\":1,\"{n}\":2")) + "}]";
        yield return Case(profile, $"{field}[0] with every key twice", Json, Encoding.UTF8.GetBytes($"{{\"{field}\":{duplicated}}}"), Expectation.Refused);
    }

    /// <summary>The body {field: value} (with the poison for a mutating route); null when a mutating route cannot be kept from acting on it.</summary>
    private static (byte[] Bytes, Expectation Expect)? Body(RouteProfile profile, bool strict, string? poison, (string Field, string Json) value)
    {
        if (!profile.Mutates)
        {
            return (FuzzValues.Object(value), strict ? Expectation.Refused : Expectation.Answered);
        }
        if (strict)
        {
            return (FuzzValues.Object(value), Expectation.Refused);
        }
        return poison is null ? null : (FuzzValues.Object(value, (poison, "{}")), Expectation.Refused);
    }

    private static FuzzCase Case(RouteProfile profile, string what, KeyValuePair<string, string> contentType, byte[] body, Expectation expect, BodyFraming framing = BodyFraming.Exact) =>
        new(profile.ToString(), what, new RawRequest(profile.Method, profile.Path, [contentType], body, framing), expect);

    /// <summary>FNV-1a: the same seed for the same route in every run (string.GetHashCode is not).</summary>
    public static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)hash;
    }
}
