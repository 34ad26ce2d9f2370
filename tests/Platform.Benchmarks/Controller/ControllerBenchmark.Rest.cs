using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.Controller;

internal sealed record RestReport(string Loaded, List<(LoadResult Http, LoadResult Sql, double Bytes)> Runs, List<string> Diagnosis, List<(string Name, LoadResult Result)> Experiments);

internal sealed partial class ControllerBenchmark
{
    /// <summary>One endpoint: the REST path of a random request, and the same work as SQL (the store's statements, same parameters).</summary>
    private sealed record RestCase(string Name, Func<Random, (string Path, Func<Task<int>> Sql)> Next);

    /// <summary>/proc/loadavg (1 min) after each row: other work on the box shows here.</summary>
    private readonly List<string> _loadAverages = [];

    private List<RestCase> Cases()
    {
        var size = options.PageSize;
        var filteredPages = Math.Max(1, options.Instances / 100 / size);
        var volumePages = Math.Max(1, options.Volumes / 100 / size);
        var allPages = Math.Max(1, options.Instances / size);
        return
        [
            new("instance search name ~1%", r =>
            {
                var tag = Inventory.Tag(r.Next(100));
                var page = 1 + r.Next(filteredPages);
                return ($"/api/v1/instance/search?filter_name={tag}&page_num={page}&page_size={size}",
                    () => Inventory.InstancePageAsync(_database, tag, (page - 1) * size, size));
            }),
            new("instance list random page", r =>
            {
                var page = 1 + r.Next(allPages);
                return ($"/api/v1/instance/list?page_num={page}&page_size={size}",
                    () => Inventory.InstancePageAsync(_database, null, (page - 1) * size, size));
            }),
            new("volume list name ~1%", r =>
            {
                var tag = Inventory.Tag(r.Next(100));
                var page = 1 + r.Next(volumePages);
                return ($"/api/v1/volume/list?filter_name={tag}&page_num={page}&page_size={size}",
                    () => Inventory.VolumePageAsync(_database, tag, (page - 1) * size, size));
            }),
        ];
    }

    private Dictionary<string, Func<TimeSpan>> CpuProcesses() => new()
    {
        ["controller"] = () => _controller!.CpuTime,
        ["bench client"] = () => ProcessCpu.Of(Environment.ProcessId),
    };

    private async Task<RestReport> MeasureRestAsync(string loaded)
    {
        var cases = Cases();
        await CheckResponsesAsync(cases);
        var runs = new List<(LoadResult Http, LoadResult Sql, double Bytes)>();
        foreach (var c in cases)
        {
            foreach (var concurrency in options.Concurrency)
            {
                var (rest, bytes) = await RunRestAsync(c, concurrency);
                var sql = await ClosedLoop.RunAsync(c.Name, "SQL", concurrency, options.Warmup, options.Duration, async r =>
                {
                    await c.Next(r).Sql();
                    return true;
                }, new CpuWindow(CpuProcesses()));
                Progress($"{c.Name} c={concurrency}: REST {Number(rest.PerSecond)} req/s p50 {Ms(rest.P50Ms)} p99 {Ms(rest.P99Ms)}"
                    + $" ({rest.Errors} errors); SQL {Number(sql.PerSecond)}/s p50 {Ms(sql.P50Ms)} p99 {Ms(sql.P99Ms)}");
                runs.Add((rest, sql, bytes));
                _loadAverages.Add(File.ReadAllText("/proc/loadavg").Split(' ')[0]);
            }
        }
        var diagnosis = await DiagnoseAsync();
        var experiments = await ExperimentsAsync();
        return new RestReport(loaded, runs, diagnosis, experiments);
    }

    /// <summary>Every case answers 200 with code 0 and a full page before anything is timed.</summary>
    private async Task CheckResponsesAsync(List<RestCase> cases)
    {
        using var http = RestClient();
        var random = new Random(7);
        foreach (var c in cases)
        {
            var (path, sql) = c.Next(random);
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var data = json.RootElement.GetProperty("data");
            var items = data.GetProperty("items").GetArrayLength();
            var rows = await sql();
            if (!response.IsSuccessStatusCode || json.RootElement.GetProperty("code").GetInt32() != 0 || items != options.PageSize || rows != items)
            {
                throw new InvalidOperationException($"{c.Name}: GET {path} answered {(int)response.StatusCode} with {items} items (SQL: {rows} rows): {body[..Math.Min(body.Length, 500)]}");
            }
            Progress($"{c.Name}: GET {path} → 200, total {data.GetProperty("total").GetInt64():N0}, {items} items, {body.Length:N0} bytes");
        }
    }

    private async Task<(LoadResult Result, double Bytes)> RunRestAsync(RestCase c, int concurrency)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        using var http = RestClient(handler: handler);
        long bytes = 0;
        long responses = 0;
        var result = await ClosedLoop.RunAsync(c.Name, "REST", concurrency, options.Warmup, options.Duration, async r =>
        {
            var (path, _) = c.Next(r);
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            Interlocked.Add(ref bytes, body.Length);
            Interlocked.Increment(ref responses);
            return response.IsSuccessStatusCode && body.AsSpan().IndexOf(CodeZero) >= 0;
        }, new CpuWindow(CpuProcesses()));
        return (result, responses == 0 ? 0 : (double)bytes / responses);
    }

    // ---- Why: plans, count(*), connection opening, JSON ----

    private async Task<List<string>> DiagnoseAsync()
    {
        var lines = new List<string>();
        var size = options.PageSize;
        var middle = options.Instances / 2 / size * size;
        var last = (options.Instances / size - 1) * size;
        var tag = Inventory.Tag(42);
        var filteredMiddle = options.Instances / 100 / 2 / size * size;

        async Task Explain(string label, string sql, Action<NpgsqlCommand> parameters)
        {
            var plan = await Inventory.ExplainAsync(_database, sql, parameters);
            var execution = plan.FirstOrDefault(l => l.StartsWith("Execution Time", StringComparison.Ordinal)) ?? "?";
            lines.Add($"{label}: {execution.Replace("Execution Time: ", "", StringComparison.Ordinal)}; {Summary(plan)}");
            if (options.Verbose)
            {
                lines.AddRange(plan.Select(l => "      " + l));
            }
        }

        var search = Inventory.InstanceList.Build(byName: true, []).Page;
        var list = Inventory.InstanceList.Build(byName: false, []).Page;
        await Explain($"instance search page + total, '{tag}', offset {filteredMiddle}", search, c => Inventory.AddListParameters(c, tag, filteredMiddle, size));
        foreach (var offset in new[] { 0, middle, last })
        {
            await Explain($"instance list page + total (no filter), offset {offset:N0}", list, c => Inventory.AddListParameters(c, null, offset, size));
        }
        var ids = Enumerable.Range(1, size).Select(i => "i-" + (0xb0000000L + (i * 97)).ToString("x", CultureInfo.InvariantCulture)).ToArray();
        var devices = Inventory.Devices.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        await Explain("devices: volumes of 20 instances", devices[0], c => c.Parameters.AddWithValue("ids", ids));
        await Explain("devices: NICs of 20 instances", devices[1], c => c.Parameters.AddWithValue("ids", ids));
        await Explain($"volume list page + total, '{tag}', offset {filteredMiddle}", Inventory.VolumeList.Build(byName: true, []).Page, c => Inventory.AddListParameters(c, tag, filteredMiddle, size));

        // Wall time as a client sees it (round trip included), median of 30.
        async Task<double> Median(Func<Task> action, int times = 30)
        {
            var samples = new List<double>();
            for (var i = 0; i < times; i++)
            {
                var sw = Stopwatch.GetTimestamp();
                await action();
                samples.Add(Stopwatch.GetElapsedTime(sw).TotalMilliseconds);
            }
            samples.Sort();
            return samples[samples.Count / 2];
        }
        var countAll = await Median(async () =>
        {
            await using var command = _database.CreateCommand("SELECT count(*) FROM instances");
            await command.ExecuteScalarAsync();
        });
        var selectOne = await Median(async () =>
        {
            await using var command = _database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
        });
        lines.Add($"round trip: SELECT count(*) FROM instances ({options.Instances:N0} rows) {Ms(countAll)} vs SELECT 1 {Ms(selectOne)} (median of 30)");
        var pooled = await Median(async () =>
        {
            await using var connection = await _database.OpenConnectionAsync();
        }, 500);
        await using var unpooledSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(DatabaseConnection) { Pooling = false }.ConnectionString);
        var unpooled = await Median(async () =>
        {
            await using var connection = await unpooledSource.OpenConnectionAsync();
        });
        lines.Add($"connection open+close: pooled (as the controller's NpgsqlDataSource) {Ms(pooled)}, unpooled {Ms(unpooled)} (median)");
        return lines;
    }

    /// <summary>The first plan line and the scans, on one line.</summary>
    private static string Summary(List<string> plan)
    {
        var nodes = plan.Where(l => l.Contains("(cost=", StringComparison.Ordinal))
            .Select(l => PlanNode().Match(l) is { Success: true } m ? $"{m.Groups["node"].Value.Trim()} {m.Groups["rows"].Value} rows" : l.Trim())
            .Take(6);
        return string.Join(" ← ", nodes);
    }

    [GeneratedRegex(@"^\s*(->\s*)?(?<node>[^(]+)\(cost=[^)]*\) \(actual (time=[^ ]+ )?rows=(?<rows>\d+)")]
    private static partial Regex PlanNode();

    // ---- The same searches as the controller ran them before migration 0003, in the same database and run ----

    private async Task<List<(string Name, LoadResult Result)>> ExperimentsAsync()
    {
        var results = new List<(string Name, LoadResult Result)>();
        var size = options.PageSize;
        var filteredPages = Math.Max(1, options.Instances / 100 / size);
        var concurrency = options.Concurrency.Contains(8) ? 8 : options.Concurrency.Max();
        async Task Run(string name, Func<Random, Task> work)
        {
            var result = await ClosedLoop.RunAsync(name, "SQL", concurrency, options.Warmup, options.Duration, async r =>
            {
                await work(r);
                return true;
            }, new CpuWindow(CpuProcesses()));
            Progress($"comparison {name} c={concurrency}: {Number(result.PerSecond)}/s p50 {Ms(result.P50Ms)} p99 {Ms(result.P99Ms)}");
            results.Add((name, result));
        }

        await Run("search ~1%: suffix index, one prepared statement (now)", r =>
            Inventory.InstancePageAsync(_database, Inventory.Tag(r.Next(100)), r.Next(filteredPages) * size, size));
        await using (var command = _database.CreateCommand(Inventory.CreateTrigramIndexes))
        {
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync();
        }
        try
        {
            await using var unprepared = NpgsqlDataSource.Create(DatabaseConnection);
            await Run("search ~1%: trigram index, count + page (before)", r =>
                Inventory.TrigramInstancePageAsync(unprepared, Inventory.Tag(r.Next(100)), r.Next(filteredPages) * size, size));
        }
        finally
        {
            await using var command = _database.CreateCommand(Inventory.DropTrigramIndexes);
            await command.ExecuteNonQueryAsync();
        }
        return results;
    }

    private void PrintRest(RestReport report)
    {
        Console.WriteLine();
        Console.WriteLine($"1. REST list/search at scale: {options.Instances:N0} instances, {options.Volumes:N0} volumes ({options.Hosts} hosts, {options.Images} images, "
            + $"{options.Instances:N0} NICs), page_size {options.PageSize}; {options.Warmup.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.#} s per row");
        Console.WriteLine($"   load: {report.Loaded}");
        List<string[]> rows = [["case", "c", "REST p50", "REST p99", "REST req/s", "SQL p50", "SQL p99", "SQL/s", "REST/SQL p50", "ctl CPU", "machine", "load", "bytes", "goal"]];
        for (var i = 0; i < report.Runs.Count; i++)
        {
            var (rest, sql, bytes) = report.Runs[i];
            var met = rest.P99Ms < P99GoalMs && rest.PerSecond >= RateGoal && rest.Errors == 0;
            rows.Add([rest.Case, rest.Concurrency.ToString(CultureInfo.InvariantCulture), Ms(rest.P50Ms), Ms(rest.P99Ms), Number(rest.PerSecond),
                Ms(sql.P50Ms), Ms(sql.P99Ms), Number(sql.PerSecond), Ratio(rest.P50Ms / sql.P50Ms),
                $"{rest.Cpu.Used["controller"].TotalSeconds / options.Duration.TotalSeconds:F2} cores", $"{rest.Cpu.MachineBusy * 100:F0}%",
                i < _loadAverages.Count ? _loadAverages[i] : "", Number(bytes), met ? "PASS" : "MISS"]);
        }
        PrintRows(rows);
        Console.WriteLine("   REST: closed loop, c HTTP/1.1 keep-alive connections, random tag kNNq (1% of names each) and random page; SQL: the stores'");
        Console.WriteLine("   statements with the same parameters through a pooled, auto-preparing NpgsqlDataSource (page + total, then the page's volumes + NICs).");
        Console.WriteLine($"   ctl CPU: the controller's CPU during the REST row; machine: all {Environment.ProcessorCount} CPUs (client, controller, postgres, others);");
        Console.WriteLine("   load: 1-min load average after the row (above ~2 other work competes for the CPUs); bytes: mean response body.");
        Console.WriteLine($"   goal per row: p99 < {P99GoalMs:F0} ms and ≥ {Number(RateGoal)} req/s.");
        Console.WriteLine();
        Console.WriteLine("   diagnosis (EXPLAIN ANALYZE server time; plan top → scans):");
        foreach (var line in report.Diagnosis)
        {
            Console.WriteLine("   - " + line);
        }
        if (report.Experiments.Count > 0)
        {
            Console.WriteLine();
            rows = [["same run, SQL only: now vs before", "c", "p50", "p99", "per s"]];
            foreach (var (name, result) in report.Experiments)
            {
                rows.Add([name, result.Concurrency.ToString(CultureInfo.InvariantCulture), Ms(result.P50Ms), Ms(result.P99Ms), Number(result.PerSecond)]);
            }
            PrintRows(rows);
        }
    }
}
