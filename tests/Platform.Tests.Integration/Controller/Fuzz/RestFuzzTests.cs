using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Fuzz;

/// <summary>
/// A generated bad-input run over every facade route of the controller's own route table: each
/// answer is below 500 and the envelope of its family (a non-zero code with a message for every
/// refusal), and afterwards nothing is stored: inventory, RBD pools, libvirt and the driver disk
/// are as before. A new endpoint is in the run without being listed here.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Fuzz")]
public sealed class RestFuzzTests : ControllerTestBase
{
    /// <summary>The corpus is the same in every run; another seed is another corpus.</summary>
    private const int Seed = 20261206;

    private const int MaxListedProblems = 40;

    [Test]
    public async Task Every_route_answers_generated_bad_input_in_the_envelope_below_500_and_stores_nothing()
    {
        var routes = await ControllerRoutes.ListAsync();
        var facade = routes.Where(r => r.IsFacade && !r.IsFallback).ToList();
        Assert.That(facade, Has.Count.GreaterThan(40), "the route table lists the facade: " + string.Join("; ", routes));
        var http = new RawHttpClient(Controller.RestUrl, Controller.Token);
        var (token, download) = await TerminalAndDownloadAsync();
        var candidates = ControllerRoutes.FieldNameCandidates();

        var profiles = new List<RouteProfile>();
        foreach (var route in facade)
        {
            foreach (var method in route.Methods.Where(m => m != "HEAD"))
            {
                var pathMethods = facade.Where(r => r.Pattern == route.Pattern).SelectMany(r => r.Methods).ToList();
                profiles.Add(await ProfileAsync(http, route, method, pathMethods, download, candidates));
            }
        }
        var cases = profiles.SelectMany(p => RestFuzzCorpus.For(p, Seed, token)).Concat(UnknownPathCases()).ToList();

        var before = await SnapshotAsync();
        var statuses = new SortedDictionary<int, int>();
        var problems = new List<(FuzzCase Case, string Problem)>();
        var clock = Stopwatch.StartNew();
        void Record(FuzzCase fuzz, RawResponse? response)
        {
            if (response is not null)
            {
                statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
            }
            if (FuzzVerdict.ProblemOf(fuzz, response) is { } problem)
            {
                problems.Add((fuzz, problem));
            }
        }
        foreach (var fuzz in cases.Where(c => c.Request.Framing != BodyFraming.DeclaredLonger))
        {
            Record(fuzz, await http.SendAsync(fuzz.Request));
        }
        // Each of these waits out Kestrel's grace period for a stalled body: all at once.
        var stalled = cases.Where(c => c.Request.Framing == BodyFraming.DeclaredLonger).ToList();
        foreach (var (fuzz, response) in stalled.Zip(await Task.WhenAll(stalled.Select(c => http.SendAsync(c.Request)))))
        {
            Record(fuzz, response);
        }
        clock.Stop();
        var after = await SnapshotAsync();

        TestContext.Out.WriteLine($"REST fuzz: {cases.Count} requests over {profiles.Count} route methods in {clock.Elapsed.TotalSeconds:0.0} s; seed {Seed}");
        TestContext.Out.WriteLine("status histogram: " + string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        TestContext.Out.WriteLine("compared before and after:\n  " + string.Join("\n  ", before.Split('\n').Select(l => l.Length > 160 ? l[..160] + "…" : l)));
        TestContext.Out.WriteLine($"5xx: {statuses.Where(s => s.Key >= 500).Sum(s => s.Value)}");
        foreach (var profile in profiles)
        {
            TestContext.Out.WriteLine($"  {profile}: fields [{string.Join(", ", profile.Fields.Select(f => profile.Nested.TryGetValue(f, out var n) ? $"{f}[{string.Join(' ', n)}]" : f))}]");
        }
        Assert.Multiple(() =>
        {
            Assert.That(problems, Is.Empty, $"{problems.Count} answers broke the contract, by kind of input (count, first case):\n" + string.Join('\n', problems
                .GroupBy(p => p.Case.What).Take(MaxListedProblems).Select(g => $"{g.Count()} x {g.First().Case}: {g.First().Problem}")));
            Assert.That(after, Is.EqualTo(before), "bad input changed nothing");
        });
        Assert.That(await HostStatusAsync(HostId), Is.EqualTo("up"), "the agent is still up and heard from");
    }

    /// <summary>Paths under the facade's roots that no route has: 404 (or 405) in the envelope.</summary>
    private static IEnumerable<FuzzCase> UnknownPathCases()
    {
        var paths = new[]
        {
            "/api", "/api/", "/api/v1", "/api/v2/images/list", "/api/v1/images", "/api/v1/images/list/extra", "/api/v1/nope",
            "/thor", "/thor/", "/thor/voi", "/thor/voi/terminal/files", "/thor/voi/terminal/files/", "/thor/image/3", "/Thor/voi/driver",
            "/api/v1/instance/destroy%2F..%2F..%2Fimages%2Fdelete", "/api/v1/images/list%20", "/api/v1/images/list.json",
        };
        foreach (var path in paths)
        {
            foreach (var method in new[] { "GET", "POST" })
            {
                yield return new FuzzCase("unknown path", $"{method} {path}", new RawRequest(method, path, [new("Content-Type", "application/json")], "{}"u8.ToArray()), Expectation.Refused);
            }
        }
    }

    /// <summary>
    /// What the route reads: one request giving every candidate field a value no field takes,
    /// then, for each field, one giving every candidate inside a list element such a value.
    /// </summary>
    private static async Task<RouteProfile> ProfileAsync(RawHttpClient http, ControllerRoute route, string method, IReadOnlyList<string> pathMethods, string download,
        IReadOnlyList<string> candidates)
    {
        var path = route.Pattern.Replace("{name}", download, StringComparison.Ordinal);
        if (route.Pattern.Contains('{', StringComparison.Ordinal) && path.Contains('{', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"no value for the parameters of {route}: add one to the fuzz profile");
        }
        var probe = await ProbeAsync(http, method, path, FuzzValues.Object(candidates.Select(c => (c, "{}")).ToArray()));
        var fields = RouteProfile.ErroredFields(probe?.Text ?? "").Distinct(StringComparer.Ordinal).Where(f => f.Length > 0).ToList();
        var nested = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var element = Encoding.UTF8.GetString(FuzzValues.Object(candidates.Select(c => (c, "{}")).ToArray()));
            var inner = await ProbeAsync(http, method, path, FuzzValues.Object((field, $"[{element}]")));
            var names = RouteProfile.ErroredFields(inner?.Text ?? "", field + "[0].").Distinct(StringComparer.Ordinal).Where(f => f.Length > 0).ToList();
            if (names.Count > 0)
            {
                nested[field] = names;
            }
        }
        return new RouteProfile(route, method, path, fields, nested, probe is { Status: >= 400 and < 500 }, pathMethods);
    }

    private static Task<RawResponse?> ProbeAsync(RawHttpClient http, string method, string path, byte[] body) =>
        http.SendAsync(new RawRequest(method, path, [new("Content-Type", "application/json")], body));

    /// <summary>A registered terminal's token and a file of its manifest (or a name that is none), set up before the first snapshot.</summary>
    private async Task<(string Token, string Download)> TerminalAndDownloadAsync()
    {
        var registered = (await Api.PostAsync("/thor/voi/terminal/register", new { name = "fuzz-terminal", mac = "52:54:00:f0:22:01" })).Ok();
        var token = registered.GetProperty("token").GetString()!;
        using var http = ApiSignIn.Client(Controller.RestUrl, token);
        var manifest = JsonDocument.Parse(await http.GetStringAsync("/thor/voi/terminal/manifest")).RootElement.GetProperty("data");
        var download = manifest.TryGetProperty("base", out var file) && file.ValueKind == JsonValueKind.Object
            ? file.GetProperty("name").GetString()!
            : "no-such-file.qcow2";
        return (token, download);
    }

    private Task<string> SnapshotAsync() => HostSnapshot.TakeAsync(Database, Rbd, Virsh, AgentDirectory);
}
