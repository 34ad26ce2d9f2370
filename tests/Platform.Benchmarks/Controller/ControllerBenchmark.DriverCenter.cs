using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Platform.Benchmarks.Grpc;
using Platform.Contracts.Agent.V1;

namespace Platform.Benchmarks.Controller;

/// <summary>Per side, the times (ms) of one 200 MiB change: putting it on the disk, and saving it.</summary>
internal sealed record DriverCenterReport(string HostId, long ArchiveBytes, List<double> ControllerUpload, List<double> ControllerSave, List<double> AgentUpload, List<double> AgentSave);

internal sealed partial class ControllerBenchmark
{
    /// <summary>The driver-center host the controller is configured with (chosen before it starts).</summary>
    private readonly string _driverCenterHostId = "bench-dc-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>
    /// A 200 MiB change of the driver disk, saved: through the console's API (upload, then
    /// <c>POST /thor/voi/driver/mount {"is_mounted": false}</c> until GET says mount_status 1)
    /// against the same agent calls made directly (UploadFile, ImportDriverArchive, SaveDriverDisk),
    /// alternating, on one private agent that is the controller's driver-center host.
    /// </summary>
    private async Task<DriverCenterReport> MeasureDriverCenterAsync(string agentDll)
    {
        var work = Directory.CreateDirectory(Path.Combine(_runDirectory, "driver-center-agent")).FullName;
        var ceph = ReadEnv("ceph");
        var libvirt = ReadEnv("libvirt");
        var agent = await AgentSide.StartAsync(GrpcBenchmark.Dotnet, agentDll, work, port => new GrpcDotnetClient(port), new Dictionary<string, string>
        {
            ["PLATFORM_Compute__LibvirtUri"] = libvirt["PLATFORM_LIBVIRT_URI"],
            ["PLATFORM_Compute__Bridge"] = libvirt["PLATFORM_BRIDGE"],
            ["PLATFORM_Compute__SerialLogDirectory"] = work,
            ["PLATFORM_Storage__CephConf"] = ceph["PLATFORM_CEPH_CONF"],
            ["PLATFORM_Storage__CephUser"] = ceph["PLATFORM_CEPH_USER"],
            ["PLATFORM_Operations__JournalPath"] = Path.Combine(work, "operations.journal"),
            ["PLATFORM_Registration__ControllerUrl"] = _grpcUrl,
            ["PLATFORM_Registration__HostId"] = _driverCenterHostId,
            ["PLATFORM_Registration__HostIp"] = "127.0.0.1",
        });
        var agentPid = agent.ServerPid;
        OnCleanUp(() =>
        {
            agent.Dispose();
            Progress($"driver-center agent pid {agentPid} stopped");
            return Task.CompletedTask;
        });
        var began = Stopwatch.StartNew();
        while (await ScalarAsync<string>("SELECT status FROM hosts WHERE host_id = @id", ("id", _driverCenterHostId)) != "up")
        {
            if (began.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"host {_driverCenterHostId} did not register as up within 60 s");
            }
            await Task.Delay(100);
        }
        using var http = RestClient(TimeSpan.FromMinutes(30));
        var first = Stopwatch.StartNew();
        (await GetThorAsync(http, "/thor/voi/driver/mount")).GetProperty("result");
        Progress($"driver disk built on first use in {first.Elapsed.TotalSeconds:F1} s");

        // One archive of incompressible data (the worst case for the compressed delta), uploaded under a new name each time.
        var archive = Path.Combine(_runDirectory, "change.tq");
        WriteArchive(archive, options.DriverCenterMebibytes << 20);
        var archiveBytes = new FileInfo(archive).Length;
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{agent.Port}", new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var disk = new DriverDiskService.DriverDiskServiceClient(channel);
        var files = new FileService.FileServiceClient(channel);
        var report = new DriverCenterReport(_driverCenterHostId, archiveBytes, [], [], [], []);
        for (var i = 0; i < options.DriverCenterSaves; i++)
        {
            // ---- through the controller ----
            var start = Stopwatch.GetTimestamp();
            using (var form = new MultipartFormDataContent())
            await using (var stream = File.OpenRead(archive))
            {
                var part = new StreamContent(stream, 1 << 20);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "file", $"bench-console-{i}.tq");
                using var request = new HttpRequestMessage(HttpMethod.Post, "/thor/voi/driver/upload") { Content = form };
                request.Headers.ExpectContinue = true;
                using var response = await http.SendAsync(request);
                await CheckThorAsync(response);
            }
            report.ControllerUpload.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            using (var save = await http.PostAsync("/thor/voi/driver/mount", new StringContent("{\"is_mounted\":false}", System.Text.Encoding.UTF8, "application/json")))
            {
                await CheckThorAsync(save);
            }
            while ((await GetThorAsync(http, "/thor/voi/driver/mount")).GetProperty("result").GetProperty("mount_status").GetInt32() != 1)
            {
                if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(30))
                {
                    throw new TimeoutException("the save did not return to mount_status 1 within 30 minutes");
                }
                await Task.Delay(100);
            }
            report.ControllerSave.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            // ---- the same change on the agent directly ----
            start = Stopwatch.GetTimestamp();
            var uploadName = $"bench-direct-{i}-{Guid.NewGuid():N}.tq";
            using (var upload = files.UploadFile())
            {
                await upload.RequestStream.WriteAsync(new UploadFileRequest { Header = new UploadFileHeader { OperationId = NewOperationId(), Name = uploadName } });
                await using var stream = File.OpenRead(archive);
                var buffer = new byte[256 << 10];
                int read;
                while ((read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                {
                    await upload.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(buffer, 0, read) });
                }
                await upload.RequestStream.CompleteAsync();
                await upload.ResponseAsync;
            }
            await disk.ImportDriverArchiveAsync(new ImportDriverArchiveRequest
            {
                OperationId = NewOperationId(), UploadName = uploadName, Folder = DriverFolder.SystemExtracted, TargetName = $"bench-direct-{i}",
            });
            await files.DeleteFileAsync(new DeleteFileRequest { Name = uploadName });
            report.AgentUpload.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            await disk.SaveDriverDiskAsync(new SaveDriverDiskRequest { OperationId = NewOperationId() });
            report.AgentSave.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Progress($"save {i + 1}/{options.DriverCenterSaves}: controller {report.ControllerSave[^1]:F0} ms, agent {report.AgentSave[^1]:F0} ms");
        }
        return report;
    }

    private void PrintDriverCenter(DriverCenterReport report)
    {
        Console.WriteLine();
        Console.WriteLine($"3. Driver center: a {report.ArchiveBytes >> 20} MiB change (one .tq of incompressible data) put on the driver disk and saved,");
        Console.WriteLine($"   {options.DriverCenterSaves}× per side, alternating, on one private agent (host {report.HostId}, the controller's driver-center host)");
        static string All(IEnumerable<double> values) => string.Join(" ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));
        List<string[]> rows =
        [
            ["step", "median", "min", "max", "runs (ms)"],
            ["controller: POST /thor/voi/driver/upload (streamed, imported)", Ms(Median(report.ControllerUpload)), Ms(report.ControllerUpload.Min()), Ms(report.ControllerUpload.Max()), All(report.ControllerUpload)],
            ["agent directly: UploadFile + ImportDriverArchive", Ms(Median(report.AgentUpload)), Ms(report.AgentUpload.Min()), Ms(report.AgentUpload.Max()), All(report.AgentUpload)],
            ["controller: save click → mount_status 1", Ms(Median(report.ControllerSave)), Ms(report.ControllerSave.Min()), Ms(report.ControllerSave.Max()), All(report.ControllerSave)],
            ["agent directly: SaveDriverDisk", Ms(Median(report.AgentSave)), Ms(report.AgentSave.Min()), Ms(report.AgentSave.Max()), All(report.AgentSave)],
        ];
        PrintRows(rows);
        Console.WriteLine($"   upload: controller / agent = {Ratio(Median(report.ControllerUpload) / Median(report.AgentUpload))}; "
            + $"save: controller / agent = {Ratio(Median(report.ControllerSave) / Median(report.AgentSave))}");
        Console.WriteLine("   save time: from sending the POST to the first GET /thor/voi/driver/mount saying 1 (polled every 100 ms, as a console would poll — and no faster, since every GET asks the agent).");
    }

    private static void WriteArchive(string path, int bytes)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        var entry = archive.CreateEntry("bench/blob.sys", CompressionLevel.NoCompression);
        using var output = entry.Open();
        var random = new Random(42);
        var buffer = new byte[1 << 20];
        for (var written = 0; written < bytes; written += buffer.Length)
        {
            random.NextBytes(buffer);
            output.Write(buffer, 0, Math.Min(buffer.Length, bytes - written));
        }
    }

    private static async Task<JsonElement> GetThorAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return await CheckThorAsync(response);
    }

    private static async Task<JsonElement> CheckThorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var root = JsonDocument.Parse(body).RootElement;
        if (!response.IsSuccessStatusCode || root.GetProperty("code").GetInt32() != 0)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        }
        return root.Clone();
    }
}
