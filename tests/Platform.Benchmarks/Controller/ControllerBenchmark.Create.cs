using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Benchmarks.Grpc;
using Platform.Benchmarks.Infrastructure;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Benchmarks.Controller;

/// <summary>Create-to-running times (ms) per side, with the direct side's steps.</summary>
internal sealed record CreateReport(string ImageId, string HostId, List<double> Controller, List<double> Accepted, List<double> Agent,
    List<(double Clone, double Create, double Define)> AgentSteps);

internal sealed partial class ControllerBenchmark
{
    private const long GiB = 1L << 30;
    private const long BlankImageBytes = 16L << 20;

    private async Task<CreateReport> MeasureCreatesAsync(string agentDll)
    {
        var ceph = ReadEnv("ceph");
        var libvirt = ReadEnv("libvirt");
        var cephConf = ceph["PLATFORM_CEPH_CONF"];
        var cephUser = ceph["PLATFORM_CEPH_USER"];
        var uri = libvirt["PLATFORM_LIBVIRT_URI"];
        var hostId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateDirectory(Path.Combine(_runDirectory, "agent")).FullName;
        File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);

        Task<string> Rbd(params string[] arguments) => Checked("rbd", ["--conf", cephConf, "--id", cephUser, .. arguments]);
        Task<string> Virsh(params string[] arguments) => Checked("virsh", ["-c", uri, .. arguments]);

        var agent = await AgentSide.StartAsync(GrpcBenchmark.Dotnet, agentDll, work, port => new GrpcDotnetClient(port), new Dictionary<string, string>
        {
            ["PLATFORM_Compute__LibvirtUri"] = uri,
            ["PLATFORM_Compute__Bridge"] = libvirt["PLATFORM_BRIDGE"],
            ["PLATFORM_Compute__SerialLogDirectory"] = work,
            ["PLATFORM_Storage__CephConf"] = cephConf,
            ["PLATFORM_Storage__CephUser"] = cephUser,
            ["PLATFORM_Operations__JournalPath"] = Path.Combine(work, "operations.journal"),
            ["PLATFORM_Registration__ControllerUrl"] = _grpcUrl,
            ["PLATFORM_Registration__HostId"] = hostId,
            ["PLATFORM_Registration__HostIp"] = "127.0.0.1",
        });
        var agentPid = agent.ServerPid;
        OnCleanUp(() =>
        {
            agent.Dispose();
            Progress($"agent pid {agentPid} stopped");
            return Task.CompletedTask;
        });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{agent.Port}");
        var rbd = new RbdService.RbdServiceClient(channel);
        var domains = new DomainService.DomainServiceClient(channel);
        using var http = RestClient(TimeSpan.FromMinutes(3));

        var began = Stopwatch.StartNew();
        while (await ScalarAsync<string>("SELECT status FROM hosts WHERE host_id = @id", ("id", hostId)) != "up")
        {
            if (began.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"host {hostId} did not register as up within 60 s");
            }
            await Task.Delay(100);
        }
        Progress($"agent pid {agent.ServerPid} (127.0.0.1:{agent.Port}) registered as host {hostId} in {began.Elapsed.TotalSeconds:F1} s");

        // The blank image both sides clone: created through REST in pool images.
        var image = await PostAsync(http, "/api/v1/images/create", new { image_name = "bench blank " + hostId, image_size = BlankImageBytes, os_type = "Linux" });
        var imageId = image.GetProperty("image_id").GetString()!;
        OnCleanUp(async () =>
        {
            using var client = RestClient();
            using var response = await client.PostAsJsonAsync("/api/v1/images/delete", new { image_id = imageId, del_file = true });
            if (!response.IsSuccessStatusCode)
            {
                Progress($"image delete through REST answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}; removing with rbd");
            }
            await RemoveRbdImageAsync(Rbd, "images", imageId);
        });
        Progress($"blank image {imageId} ({BlankImageBytes >> 20} MiB) created through REST");

        var report = new CreateReport(imageId, hostId, [], [], [], []);
        for (var i = 0; i < options.Creates; i++)
        {
            // ---- through the controller: POST create, then the instance row says running ----
            var start = Stopwatch.GetTimestamp();
            var created = await PostAsync(http, "/api/v1/instance/create", new
            {
                instance_name = $"bench-create-{i}",
                image_id = imageId,
                cpu = 1,
                memory = 128,
                data_volumes = new[] { new { volume_name = $"bench-data-{i}", volume_size = 1 } },
            });
            var accepted = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var instanceId = created.GetProperty("instance_id").GetString()!;
            var taskId = created.GetProperty("task_id").GetString()!;
            OnCleanUp(() => DestroyLeftoverAsync(instanceId, Rbd, Virsh));
            string? status;
            while (true)
            {
                status = await ScalarAsync<string>("SELECT status FROM instances WHERE instance_id = @id", ("id", instanceId));
                if (status is "running" or "error" or null || Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(3))
                {
                    break;
                }
                await Task.Delay(5);
            }
            var controllerMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (status != "running")
            {
                var error = await ScalarAsync<string>("SELECT coalesce(error, state) FROM tasks WHERE task_id = @id", ("id", taskId));
                throw new InvalidOperationException($"instance {instanceId} ended {status ?? "gone"}: {error}");
            }
            var state = (await Virsh("domstate", instanceId)).Trim();
            if (state != "running")
            {
                throw new InvalidOperationException($"instance {instanceId} is running per the controller but libvirt says {state}");
            }
            report.Controller.Add(controllerMs);
            report.Accepted.Add(accepted);
            await DestroyThroughApiAsync(http, instanceId);

            // ---- the same steps on the agent directly ----
            var name = $"bench-direct-{Guid.NewGuid().ToString("N")[..8]}";
            OnCleanUp(() => RemoveDirectAsync(name, Rbd, Virsh));
            start = Stopwatch.GetTimestamp();
            await rbd.CloneImageAsync(new CloneImageRequest
            {
                OperationId = NewOperationId(),
                ParentPool = "images",
                ParentName = imageId,
                Pool = "volumes",
                Name = name + "-boot",
                SizeBytes = GiB,
            }, deadline: Deadline());
            var cloned = Stopwatch.GetTimestamp();
            await rbd.CreateImageAsync(new CreateImageRequest { OperationId = NewOperationId(), Pool = "volumes", Name = name + "-data", SizeBytes = GiB }, deadline: Deadline());
            var made = Stopwatch.GetTimestamp();
            var define = new DefineAndStartDomainRequest
            {
                OperationId = NewOperationId(),
                Name = name,
                Uuid = Guid.NewGuid().ToString(),
                Vcpus = 1,
                MemoryMib = 128,
                BootDisk = new RbdDisk { Image = $"volumes/{name}-boot", Target = "vda" },
            };
            define.DataDisks.Add(new RbdDisk { Image = $"volumes/{name}-data", Target = "vdb" });
            await domains.DefineAndStartDomainAsync(define, deadline: Deadline());
            var end = Stopwatch.GetTimestamp();
            state = (await Virsh("domstate", name)).Trim();
            if (state != "running")
            {
                throw new InvalidOperationException($"domain {name} defined and started by the agent is {state}");
            }
            report.Agent.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            report.AgentSteps.Add((Stopwatch.GetElapsedTime(start, cloned).TotalMilliseconds, Stopwatch.GetElapsedTime(cloned, made).TotalMilliseconds,
                Stopwatch.GetElapsedTime(made, end).TotalMilliseconds));
            await RemoveDirectAsync(name, Rbd, Virsh);
            Progress($"create {i + 1}/{options.Creates}: controller {Ms(controllerMs)} (accepted in {Ms(accepted)}), agent directly {Ms(report.Agent[^1])}");
        }
        await CheckNothingLeftAsync(Rbd, Virsh, hostId);
        return report;
    }

    private async Task DestroyThroughApiAsync(HttpClient http, string instanceId)
    {
        var destroy = await PostAsync(http, "/api/v1/instance/destroy", new { instance_id = instanceId });
        var taskId = destroy.GetProperty("task_id").GetString()!;
        var began = Stopwatch.StartNew();
        string? state;
        while ((state = await ScalarAsync<string>("SELECT state FROM tasks WHERE task_id = @id", ("id", taskId))) is not ("succeeded" or "failed"))
        {
            if (began.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"destroy of {instanceId} ({taskId}) still {state} after 2 min");
            }
            await Task.Delay(50);
        }
        if (state == "failed")
        {
            throw new InvalidOperationException($"destroy of {instanceId} failed: {await ScalarAsync<string>("SELECT error FROM tasks WHERE task_id = @id", ("id", taskId))}");
        }
    }

    /// <summary>What a failed run left of a controller instance, removed with virsh and rbd.</summary>
    private async Task DestroyLeftoverAsync(string instanceId, Func<string[], Task<string>> rbd, Func<string[], Task<string>> virsh)
    {
        var volumes = new List<string>();
        await using (var command = _database.CreateCommand("SELECT volume_id FROM volumes WHERE instance_id = @id"))
        {
            command.Parameters.AddWithValue("id", instanceId);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                volumes.Add(reader.GetString(0));
            }
        }
        await RemoveDomainAsync(instanceId, virsh);
        foreach (var volume in volumes)
        {
            await RemoveRbdImageAsync(rbd, "volumes", volume);
        }
    }

    private static async Task RemoveDirectAsync(string name, Func<string[], Task<string>> rbd, Func<string[], Task<string>> virsh)
    {
        await RemoveDomainAsync(name, virsh);
        await RemoveRbdImageAsync(rbd, "volumes", name + "-boot");
        await RemoveRbdImageAsync(rbd, "volumes", name + "-data");
    }

    private static async Task RemoveDomainAsync(string name, Func<string[], Task<string>> virsh)
    {
        if ((await virsh(["list", "--all", "--name"])).Split('\n', StringSplitOptions.TrimEntries).Contains(name))
        {
            try
            {
                await virsh(["destroy", name]);
            }
            catch (InvalidOperationException)
            {
                // Already shut off.
            }
            await virsh(["undefine", name]);
        }
    }

    /// <summary>Removes an RBD image with its snapshots (unprotected first) if it is there.</summary>
    private static async Task RemoveRbdImageAsync(Func<string[], Task<string>> rbd, string pool, string name)
    {
        if (!(await rbd(["ls", pool])).Split('\n', StringSplitOptions.TrimEntries).Contains(name))
        {
            return;
        }
        foreach (var snapshot in JsonDocument.Parse(await rbd(["snap", "ls", "--format", "json", $"{pool}/{name}"])).RootElement.EnumerateArray())
        {
            var spec = $"{pool}/{name}@{snapshot.GetProperty("name").GetString()}";
            try
            {
                await rbd(["snap", "unprotect", spec]);
            }
            catch (InvalidOperationException)
            {
                // Not protected.
            }
        }
        await rbd(["snap", "purge", "--no-progress", $"{pool}/{name}"]);
        await rbd(["rm", "--no-progress", $"{pool}/{name}"]);
    }

    private async Task CheckNothingLeftAsync(Func<string[], Task<string>> rbd, Func<string[], Task<string>> virsh, string hostId)
    {
        var pool = (await rbd(["ls", "volumes"])).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var domainsLeft = (await virsh(["list", "--all", "--name"])).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(n => n.StartsWith("bench-direct-", StringComparison.Ordinal)).ToList();
        var left = pool.Where(p => p.StartsWith("bench-direct-", StringComparison.Ordinal)).Concat(domainsLeft).ToList();
        Progress(left.Count == 0
            ? $"creates cleaned up: no bench-direct- image or domain left; host {hostId} holds {await ScalarAsync<long>("SELECT count(*) FROM instances WHERE host_id = @id", ("id", hostId))} instances"
            : $"left behind: {string.Join(", ", left)}");
    }

    private async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = _database.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        if (!response.IsSuccessStatusCode || json.RootElement.GetProperty("code").GetInt32() != 0)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }
        return json.RootElement.GetProperty("data").Clone();
    }

    private static async Task<string> Checked(string file, string[] arguments)
    {
        using var process = ChildProcess.Start(file, file, arguments);
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? process.Output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: exit {process.ExitCode}\n{process.Output}");
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(120);

    private static string NewOperationId() => "op-" + Guid.NewGuid().ToString("N");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private void PrintCreates(CreateReport report)
    {
        var controller = Median(report.Controller);
        var agent = Median(report.Agent);
        var limit = (agent * CreateRatioGoal) + CreateSlackMs;
        Console.WriteLine();
        Console.WriteLine($"2. Instance create-to-running, {options.Creates}× per side, alternating; image {report.ImageId} (blank {BlankImageBytes >> 20} MiB, OS-less), 1 vCPU,");
        Console.WriteLine($"   128 MiB, boot volume 1 GiB (clone) + one 1 GiB data volume, domain type auto (probed); private agent registered as host {report.HostId}");
        static string All(IEnumerable<double> values) => string.Join(" ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));
        List<string[]> rows =
        [
            ["side", "median", "min", "max", "runs (ms)"],
            ["controller: POST create → status running", Ms(controller), Ms(report.Controller.Min()), Ms(report.Controller.Max()), All(report.Controller)],
            ["  of which POST create answered", Ms(Median(report.Accepted)), Ms(report.Accepted.Min()), Ms(report.Accepted.Max()), All(report.Accepted)],
            ["agent directly: CloneImage + CreateImage + DefineAndStartDomain", Ms(agent), Ms(report.Agent.Min()), Ms(report.Agent.Max()), All(report.Agent)],
            ["  CloneImage", Ms(Median(report.AgentSteps.Select(s => s.Clone).ToList())), "", "", All(report.AgentSteps.Select(s => s.Clone))],
            ["  CreateImage", Ms(Median(report.AgentSteps.Select(s => s.Create).ToList())), "", "", All(report.AgentSteps.Select(s => s.Create))],
            ["  DefineAndStartDomain", Ms(Median(report.AgentSteps.Select(s => s.Define).ToList())), "", "", All(report.AgentSteps.Select(s => s.Define))],
        ];
        PrintRows(rows);
        Console.WriteLine($"   overhead: controller − agent = {Ms(controller - agent)} ({Ratio(controller / agent)}); goal controller ≤ agent × {CreateRatioGoal:F2} + {CreateSlackMs:F0} ms"
            + $" = {Ms(limit)}: {(controller <= limit ? "PASS" : "MISS")}");
        Console.WriteLine("   controller time: from sending POST /api/v1/instance/create to the instances row saying running (polled every 5 ms with SQL);");
        Console.WriteLine("   libvirt's domstate checked running after each create on both sides; every instance destroyed through REST, direct ones with virsh/rbd.");
    }
}
