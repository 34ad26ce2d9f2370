using System.Text;

namespace Platform.Tests.Integration.Controller.Fuzz;

internal static partial class RestFuzzCorpus
{
    /// <summary>Past the 1 MiB every /api body may have.</summary>
    private const int OverLimitBytes = (1 << 20) + (1 << 19);

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FROB", "get", "Post"];

    private static IEnumerable<FuzzCase> BodyCases(RouteProfile profile, Random random)
    {
        var expect = profile.ReadsBody ? Expectation.Refused : Expectation.Answered;
        var json = new (string What, byte[] Body)[]
        {
            ("empty JSON body", []),
            ("JSON null", "null"u8.ToArray()),
            ("JSON array", "[]"u8.ToArray()),
            ("JSON number", "1"u8.ToArray()),
            ("JSON string", "\"{}\""u8.ToArray()),
            ("unterminated object", "{"u8.ToArray()),
            ("missing value", "{\"a\":}"u8.ToArray()),
            ("trailing garbage", "{}x"u8.ToArray()),
            ("trailing comma", "{\"a\":1,}"u8.ToArray()),
            ("single quotes", "{'a':1}"u8.ToArray()),
            ("comment", "{/*c*/}"u8.ToArray()),
            ("NaN literal", "{\"a\":NaN}"u8.ToArray()),
            ("leading zero", "{\"a\":01}"u8.ToArray()),
            ("invalid UTF-8 in a key", [.. "{\""u8, 0xC3, 0x28, .. "\":1}"u8]),
            ("invalid UTF-8 in a value", [.. "{\"a\":\""u8, 0xFF, 0xFE, .. "\"}"u8]),
            ("overlong UTF-8", [.. "{\"a\":\""u8, 0xC0, 0xAF, .. "\"}"u8]),
            ("UTF-8 of a surrogate", [.. "{\"a\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8]),
            ("lone surrogate escape in a key", "{\"\\udc00\":1}"u8.ToArray()),
            ("lone surrogate escape in a value", "{\"a\":\"\\ud800x\"}"u8.ToArray()),
            ("NUL escape in a key", "{\"a\\u0000\":1}"u8.ToArray()),
            ("raw control character", "{\"a\":\"\u0001\"}"u8.ToArray()),
            ("duplicate key", "{\"a\":1,\"a\":1}"u8.ToArray()),
            ("duplicate nested key", "{\"a\":[{\"b\":1,\"b\":1}]}"u8.ToArray()),
            ("33 levels deep", Encoding.ASCII.GetBytes("{\"a\":" + FuzzValues.Nested(32) + "}")),
            ("100,000 levels deep", Encoding.ASCII.GetBytes("{\"a\":" + FuzzValues.Nested(100_000) + "}")),
            ("UTF-16 encoded", Encoding.Unicode.GetBytes("{\"a\":1}")),
            ("random bytes", RandomBytes(random, 512)),
            ("over the body limit", Encoding.ASCII.GetBytes("{\"a\":\"" + new string('z', OverLimitBytes) + "\"}")),
        };
        foreach (var (what, body) in json)
        {
            yield return Case(profile, what, Json, body, what == "UTF-16 encoded" && !profile.ReadsBody ? Expectation.Answered : expect);
        }
        yield return Case(profile, "BOM before the object", Json, [0xEF, 0xBB, 0xBF, .. "{}"u8], Expectation.Answered);
        yield return Case(profile, "chunked over the body limit", Json, Encoding.ASCII.GetBytes("{\"a\":\"" + new string('c', OverLimitBytes) + "\"}"), expect, BodyFraming.Chunked);
        yield return Case(profile, "chunked bad JSON", Json, "{\"a\":"u8.ToArray(), expect, BodyFraming.Chunked);
        yield return Case(profile, "Content-Length longer than the body", Json, "{\"a\":1}"u8.ToArray(), expect, BodyFraming.DeclaredLonger);
        yield return Case(profile, "Content-Length shorter than the body", Json, "{\"a\":{\"b\":1}}"u8.ToArray(), expect, BodyFraming.DeclaredShorter);
        yield return Case(profile, "a body without length or chunking", Json, "{\"a\":1}"u8.ToArray(), Expectation.Answered, BodyFraming.None);

        var types = new (string What, string Type, byte[] Body)[]
        {
            ("text/plain", "text/plain", "{}"u8.ToArray()),
            ("XML", "application/xml", "<a/>"u8.ToArray()),
            ("JSON as UTF-16", "application/json; charset=utf-16", Encoding.Unicode.GetBytes("{}")),
            ("unparsable content type", ";;==; /", "{}"u8.ToArray()),
            ("content type with a huge parameter", "application/json; x=" + new string('p', 4000), "{"u8.ToArray()),
            ("octet-stream", "application/octet-stream", RandomBytes(random, 256)),
            ("form with a NUL key", "application/x-www-form-urlencoded", "a%00=1"u8.ToArray()),
            ("form with 1,025 keys", "application/x-www-form-urlencoded", Encoding.ASCII.GetBytes(string.Join('&', Enumerable.Range(0, 1025).Select(i => $"k{i}=v")))),
            ("form with a 2,049-character key", "application/x-www-form-urlencoded", Encoding.ASCII.GetBytes(new string('k', 2049) + "=v")),
            ("form over the body limit", "application/x-www-form-urlencoded", Encoding.ASCII.GetBytes("a=" + new string('f', OverLimitBytes))),
            ("multipart without a boundary", "multipart/form-data", "garbage"u8.ToArray()),
            ("multipart with an empty boundary", "multipart/form-data; boundary=\"\"", "garbage"u8.ToArray()),
            ("multipart with an unparsable type", "multipart/form-data; boundary=a; ;;=", "--a\r\n"u8.ToArray()),
            ("multipart garbage", "multipart/form-data; boundary=zz", RandomBytes(random, 1024)),
        };
        foreach (var (what, type, body) in types)
        {
            yield return Case(profile, what, new("Content-Type", type), body, expect);
        }
        // Forms whose keys are no field: read (leniently) and ignored, so only the route's own rules refuse them.
        var lenient = new (string What, string Body)[]
        {
            ("form with JSON in it", "{\"a\":1}"),
            ("form with a bad escape", "a=%zz&%=1&&=&b"),
            ("form with invalid UTF-8", "a=%FF%FE&%C0%AF=1"),
        };
        foreach (var (what, body) in lenient)
        {
            yield return Case(profile, what, Form, Encoding.ASCII.GetBytes(body), Expectation.Answered);
        }
        if (profile.Mutates)
        {
            foreach (var multipart in MultipartCases(profile, random))
            {
                yield return multipart;
            }
        }
    }

    private static IEnumerable<FuzzCase> MultipartCases(RouteProfile profile, Random random)
    {
        const string boundary = "fuzz-boundary";
        var type = new KeyValuePair<string, string>("Content-Type", $"multipart/form-data; boundary={boundary}");
        var content = RandomBytes(random, 4096);
        var parts = new (string What, byte[] Body)[]
        {
            ("a file that is no archive", Multipart(boundary, ("file", "driver.iso", content), ("name", null, "fuzz driver"u8.ToArray()))),
            ("a file name with a path", Multipart(boundary, ("file", "../../../etc/driver.zip", content))),
            ("a file name with NUL", Multipart(boundary, ("file", "a\0b.tq", content))),
            ("a file of an unaccepted type", Multipart(boundary, ("file", "driver.exe", content))),
            ("a file without a name", Multipart(boundary, ("file", "", content))),
            ("two files", Multipart(boundary, ("file", "a.iso", content), ("file2", "b.iso", content))),
            ("a field over 4 KiB", Multipart(boundary, ("describe", null, Encoding.ASCII.GetBytes(new string('d', 5000))), ("file", "d.iso", content))),
            ("a bad field beside the file", Multipart(boundary, ("name", null, "<b>\0"u8.ToArray()), ("file", "e.iso", content))),
            ("no file part", Multipart(boundary, ("name", null, "x"u8.ToArray()))),
            ("part headers without an end", Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.iso\"\r\nX: y")),
            ("no closing boundary", Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.iso\"\r\n\r\nabc")),
            ("a garbage Content-Disposition", Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: ;;;\"\r\n\r\nabc\r\n--{boundary}--\r\n")),
            ("a part header over 16 KiB", Encoding.ASCII.GetBytes($"--{boundary}\r\nX-Big: {new string('h', 20_000)}\r\n\r\nabc\r\n--{boundary}--\r\n")),
        };
        foreach (var (what, body) in parts)
        {
            yield return Case(profile, "multipart: " + what, type, body, Expectation.Refused);
        }
        yield return new FuzzCase(profile.ToString(), "octet-stream without a file name",
            new RawRequest(profile.Method, profile.Path, [new("Content-Type", "application/octet-stream")], content), Expectation.Refused);
        yield return new FuzzCase(profile.ToString(), "octet-stream with a traversing file name",
            new RawRequest(profile.Method, profile.Path + "?file_name=..%2F..%2Fx.iso&name=%00", [new("Content-Type", "application/octet-stream")], content), Expectation.Refused);
    }

    private static IEnumerable<FuzzCase> MethodCases(RouteProfile profile)
    {
        foreach (var method in Methods.Where(m => !profile.PathMethods.Contains(m)))
        {
            // Routing compares methods ignoring case (as ASP.NET Core does): "get" is a GET.
            var answered = profile.PathMethods.Contains(method.ToUpperInvariant());
            yield return new FuzzCase(profile.ToString(), $"method {method}", new RawRequest(method, profile.Path, [Json], "{}"u8.ToArray()),
                answered ? Expectation.Answered : Expectation.Refused);
        }
        // A HEAD answer has no body: only its status counts.
        yield return new FuzzCase(profile.ToString(), "method HEAD", new RawRequest("HEAD", profile.Path, [], []), Expectation.Answered);
    }

    private static IEnumerable<FuzzCase> PathCases(RouteProfile profile)
    {
        var path = profile.Path;
        var last = path.LastIndexOf('/');
        var variants = new (string What, string Target, Expectation Expect)[]
        {
            ("upper-case path", path.ToUpperInvariant(), Expectation.Refused),
            ("upper-case last segment", path[..(last + 1)] + char.ToUpperInvariant(path[last + 1]) + path[(last + 2)..], Expectation.Refused),
            ("upper-case root", path.StartsWith("/api", StringComparison.Ordinal) ? "/API" + path[4..] : "/THOR" + path[5..], Expectation.Refused),
            ("trailing slash", path + "/", Expectation.Answered),
            ("two trailing slashes", path + "//", Expectation.Refused),
            ("double slash inside", path[..last] + "//" + path[(last + 1)..], Expectation.Answered),
            ("dot segment", path[..last] + "/./" + path[(last + 1)..], Expectation.Answered),
            ("dot-dot segment", path + "/../" + path[(last + 1)..], Expectation.Answered),
            ("encoded slash", path[..last] + "%2F" + path[(last + 1)..], Expectation.Refused),
            ("encoded letter", path[..(last + 1)] + $"%{(int)path[last + 1]:X2}" + path[(last + 2)..], Expectation.Answered),

            ("bad escape", path + "%zz", Expectation.Answered),
            ("lone percent", path + "%", Expectation.Answered),
            ("overlong UTF-8 dots", path + "/%C0%AE%C0%AE/x", Expectation.Answered),
            ("encoded invalid UTF-8", path + "%FF", Expectation.Answered),
            ("path parameter", path + ";jsessionid=1", Expectation.Answered),
            ("empty query", path + "?", Expectation.Answered),
            ("query of separators", path + "?&&&=&=x&", Expectation.Answered),
            ("query with a bad escape", path + "?a=%zz&%zz=1&%=%", Expectation.Answered),
            ("query with a NUL key", path + "?a%00b=1", Expectation.Answered),
            ("query with 2,000 parameters", path + "?" + string.Join('&', Enumerable.Range(0, 2000).Select(i => $"p{i}=1")), Expectation.Answered),
        };
        foreach (var (what, target, expect) in variants.Where(v => v.Target != path || v.What == "trailing slash"))
        {
            yield return new FuzzCase(profile.ToString(), what, new RawRequest(profile.Method, target, [], []), expect);
        }
        // Kestrel refuses these while it parses the request line, before any middleware runs.
        yield return new FuzzCase(profile.ToString(), "encoded NUL in the path", new RawRequest(profile.Method, path + "%00", [], []), Expectation.BareFromKestrel, 400);
        yield return new FuzzCase(profile.ToString(), "raw non-ASCII bytes in the path",
            new RawRequest(profile.Method, path, [], []) { RawTarget = [.. Encoding.ASCII.GetBytes(path), 0xC3, 0xA9] }, Expectation.BareFromKestrel, 400);
    }

    private static IEnumerable<FuzzCase> LimitCases(RouteProfile profile)
    {
        var route = profile.ToString();
        yield return new FuzzCase(route, "request line over the controller's limit (414)",
            new RawRequest(profile.Method, profile.Path + "?q=" + new string('u', 9 * 1024), [], []), Expectation.Refused, 414);
        yield return new FuzzCase(route, "request line over Kestrel's limit (bare 414)",
            new RawRequest(profile.Method, profile.Path + "?q=" + new string('u', 80 * 1024), [], []), Expectation.BareFromKestrel, 414);
        yield return new FuzzCase(route, "a 40 KiB header (431)",
            new RawRequest(profile.Method, profile.Path, [new("X-Fuzz", new string('h', 40 * 1024))], []), Expectation.Refused, 431);
        yield return new FuzzCase(route, "150 headers (431)",
            new RawRequest(profile.Method, profile.Path, Enumerable.Range(0, 150).Select(i => KeyValuePair.Create($"X-Fuzz-{i}", "1")).ToList(), []), Expectation.Refused, 431);
        yield return new FuzzCase(route, "headers over Kestrel's limit (bare 431)",
            new RawRequest(profile.Method, profile.Path, [new("X-Fuzz", new string('h', 300 * 1024))], []), Expectation.BareFromKestrel, 431);
    }

    private static IEnumerable<FuzzCase> CredentialCases(RouteProfile profile, string? token)
    {
        if (!profile.IsTerminalCall)
        {
            yield break;
        }
        var bad = new[] { "", "Bearer", "Bearer ", "Bearer x", "Bearer " + new string('t', 8000), "Basic dXNlcjpwYXNz", "Bearer ../../../etc/passwd", "Bearer%20x", "Token " + token };
        foreach (var authorization in bad)
        {
            var headers = new List<KeyValuePair<string, string>> { new("Authorization", authorization), Json };
            yield return new FuzzCase(profile.ToString(), $"Authorization: {(authorization.Length > 40 ? authorization[..40] + "…" : authorization)}",
                new RawRequest(profile.Method, profile.Path, headers, profile.Mutates ? "{}"u8.ToArray() : []), Expectation.Refused);
        }
        yield return new FuzzCase(profile.ToString(), "two Authorization headers",
            new RawRequest(profile.Method, profile.Path, [new("Authorization", "Bearer x"), new("Authorization", "Bearer y")], []), Expectation.Refused);
        if (profile.IsDownload && token is not null)
        {
            foreach (var range in new[] { "bytes=abc", "bytes=5-1", "bytes=-0", "bytes=0-0,1-1", "bytes=99999999999999999999-", "items=0-1", "bytes=-", "bytes=1-2-3", "bytes= 0-1", "bytes=-99999999999999", "bytes=0-" + new string('9', 50) })
            {
                var headers = new List<KeyValuePair<string, string>> { new("Authorization", "Bearer " + token), new("Range", range), new("If-Range", "\"garbage") };
                yield return new FuzzCase(profile.ToString(), $"Range: {range}", new RawRequest("GET", profile.Path, headers, []), Expectation.Answered);
            }
            var directory = profile.Path[..(profile.Path.LastIndexOf('/') + 1)];
            foreach (var name in new[] { "..", "..%2F..%2Fstate.json", "%2Fetc%2Fpasswd", new string('n', 4000), "%2e%2e", "%FF%FE" })
            {
                yield return new FuzzCase(profile.ToString(), $"file {(name.Length > 40 ? name[..40] + "…" : name)}",
                    new RawRequest("GET", directory + name, [new("Authorization", "Bearer " + token)], []), Expectation.Answered);
            }
        }
    }

    private static byte[] Multipart(string boundary, params (string Name, string? FileName, byte[] Content)[] parts)
    {
        var body = new MemoryStream();
        foreach (var (name, fileName, content) in parts)
        {
            var disposition = fileName is null ? $"form-data; name=\"{name}\"" : $"form-data; name=\"{name}\"; filename=\"{fileName}\"";
            body.Write(Encoding.UTF8.GetBytes($"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/octet-stream\r\n\r\n"));
            body.Write(content);
            body.Write("\r\n"u8);
        }
        body.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        return body.ToArray();
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
