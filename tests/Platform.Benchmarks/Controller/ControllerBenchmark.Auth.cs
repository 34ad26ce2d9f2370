using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Platform.Benchmarks.Infrastructure;
using Platform.Controller.Security;

namespace Platform.Benchmarks.Controller;

internal sealed record AuthReport(List<(LoadResult Measured, LoadResult Baseline)> CredentialChecks, List<(LoadResult Measured, LoadResult Baseline)> SignIns);

/// <summary>
/// What authentication costs: a call with an API token or a session (checked against the
/// database on every call, no cache) against the same pipeline answering a static file with no
/// credentials; a sign-in (Argon2id, 19 MiB, 2 passes) against the same hash verified in this
/// process with the controller's own code.
/// </summary>
internal sealed partial class ControllerBenchmark
{
    /// <summary>The console's page: served by the same Kestrel pipeline, anonymous, no database.</summary>
    private const string StaticBaselinePath = "/console/index.html";

    private async Task<AuthReport> MeasureAuthAsync()
    {
        using var tokenClient = RestClient();
        // No cookies kept: every sign-in comes without a session, as a new one does.
        using var anonymous = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(_restUrl), Timeout = TimeSpan.FromSeconds(100) };
        using var session = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(_restUrl) };
        using (var login = await session.PostAsJsonAsync("/api/v1/auth/login", new { name = "admin", password = _adminPassword }))
        {
            login.EnsureSuccessStatusCode();
        }
        foreach (var (client, path) in new[] { (tokenClient, "/api/v1/auth/whoami"), (session, "/api/v1/auth/whoami"), (anonymous, StaticBaselinePath) })
        {
            using var probe = await client.GetAsync(new Uri(path, UriKind.Relative));
            probe.EnsureSuccessStatusCode();
        }

        var checks = new List<(LoadResult, LoadResult)>();
        foreach (var concurrency in options.Concurrency)
        {
            var baseline = await ClosedLoop.RunAsync("static file, no credentials", "REST", concurrency, options.Warmup, options.Duration,
                _ => SucceedsAsync(anonymous, StaticBaselinePath), new CpuWindow(CpuProcesses()));
            foreach (var (name, client) in new[] { ("whoami, API token", tokenClient), ("whoami, session", session) })
            {
                var measured = await ClosedLoop.RunAsync(name, "REST", concurrency, options.Warmup, options.Duration,
                    _ => SucceedsAsync(client, "/api/v1/auth/whoami"), new CpuWindow(CpuProcesses()));
                Progress($"{name} c={concurrency}: {Number(measured.PerSecond)}/s p50 {Ms(measured.P50Ms)}; static file {Number(baseline.PerSecond)}/s p50 {Ms(baseline.P50Ms)}");
                checks.Add((measured, baseline));
            }
        }

        // The verification the controller runs at sign-in, on a hash of the same password made by the same code.
        var stored = PasswordHashing.Hash(_adminPassword);
        var signIns = new List<(LoadResult, LoadResult)>();
        foreach (var concurrency in new[] { 1, Environment.ProcessorCount })
        {
            string? refused = null;
            var measured = await ClosedLoop.RunAsync("sign-in", "REST", concurrency, options.Warmup, options.Duration, async _ =>
            {
                using var login = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { name = "admin", password = _adminPassword });
                if (!login.IsSuccessStatusCode)
                {
                    refused ??= $"{(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}";
                }
                return login.IsSuccessStatusCode;
            }, new CpuWindow(CpuProcesses()));
            if (refused is not null)
            {
                Progress($"sign-in refused ({measured.Errors} times), first: {refused}");
            }
            var baseline = await ClosedLoop.RunAsync("Argon2id verify", "in-process", concurrency, options.Warmup, options.Duration,
                _ => Task.Run(() => PasswordHashing.Verify(_adminPassword, stored)), new CpuWindow(CpuProcesses()));
            Progress($"sign-in c={concurrency}: {Number(measured.PerSecond)}/s p50 {Ms(measured.P50Ms)}; Argon2id verify {Number(baseline.PerSecond)}/s p50 {Ms(baseline.P50Ms)}");
            signIns.Add((measured, baseline));
        }
        return new AuthReport(checks, signIns);
    }

    private static async Task<bool> SucceedsAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead);
        return response.IsSuccessStatusCode;
    }

    private void PrintAuth(AuthReport report)
    {
        Console.WriteLine();
        Console.WriteLine($"4. Authentication: {options.Warmup.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.#} s per row");
        List<string[]> rows = [["case", "c", "p50", "p99", "req/s", "baseline", "baseline p50", "baseline req/s", "p50 ratio", "p50 added", "ctl CPU"]];
        foreach (var (measured, baseline) in report.CredentialChecks.Concat(report.SignIns))
        {
            rows.Add([measured.Case, measured.Concurrency.ToString(CultureInfo.InvariantCulture), Ms(measured.P50Ms), Ms(measured.P99Ms), Number(measured.PerSecond),
                baseline.Case, Ms(baseline.P50Ms), Number(baseline.PerSecond), Ratio(measured.P50Ms / baseline.P50Ms), Ms(measured.P50Ms - baseline.P50Ms),
                $"{measured.Cpu.Used["controller"].TotalSeconds / options.Duration.TotalSeconds:F2} cores"]);
        }
        PrintRows(rows);
        Console.WriteLine("   whoami: a GET answered from the credentials alone, so its cost over the static file is the credential check");
        Console.WriteLine("   (a token: one SELECT of token and user plus SHA-256; a session: one SELECT); the static file is the console's page.");
        Console.WriteLine("   sign-in: POST /api/v1/auth/login (Argon2id m=19 MiB, t=2, p=1, then a session row) against PasswordHashing.Verify");
        Console.WriteLine("   in this process; the benchmark's controller allows 10,000 sign-ins a minute per address (default 10).");
    }
}
