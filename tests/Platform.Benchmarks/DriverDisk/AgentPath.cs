using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Benchmarks.Grpc;
using Platform.Contracts.Agent.V1;
using Platform.Rpc.Client;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>What the agent's path measured.</summary>
internal sealed record AgentRun(
    int Pid,
    TimedCall<DriverDiskState> Initialize,
    double UploadSeconds,
    TimedCall<ImportDriverArchiveResponse> Import,
    long OverlayBytes,
    TimedCall<DriverDiskState> Save,
    DriverDiskManifest Manifest,
    List<ProgramPeak> Memory,
    int? StorageDaemonPid,
    List<(int Pid, string Name)> MountProcesses,
    double StopSeconds,
    string StopOutcome,
    CpuShares Cpu)
{
    /// <summary>The mount step of initialize (state "initialize: InitializeMount" to the response), null if the state shows no steps.</summary>
    public double? MountSeconds => Initialize.Step("InitializeMount");

    /// <summary>Initialize without its mount step; null like <see cref="MountSeconds"/>.</summary>
    public double? BuildSeconds => MountSeconds is { } mount ? Initialize.Seconds - mount : null;
}

/// <summary>
/// Our side: the published agent in its own process, its driver disk, transfer area and journal
/// in the run's directory, libvirt and Ceph pointed at nothing (<see cref="AgentSide"/>), driven
/// over one gRPC channel as the controller does (PlatformChannel, the call-log interceptor):
/// InitializeDriverDisk, FileService.UploadFile, ImportDriverArchive, SaveDriverDisk; then
/// SIGTERM, on which the agent unmounts.
/// </summary>
internal static class AgentPath
{
    public const string TargetName = "bench-universal";
    private const int ChunkBytes = 1 << 20;

    public static async Task<AgentRun> RunAsync(string agentDll, string directory, DriverPackage package, long sizeBytes, Action<int?> track)
    {
        var stateDirectory = Path.Combine(directory, "driver-disk");
        using var agent = await AgentSide.StartAsync("driver-disk", agentDll, directory, port => new GrpcDotnetClient(port), new Dictionary<string, string>
        {
            ["PLATFORM_DriverDisk__StateDirectory"] = stateDirectory,
            ["PLATFORM_DriverDisk__BackupDirectory"] = Path.Combine(directory, "driver-backup"),
            ["PLATFORM_Operations__JournalPath"] = Path.Combine(directory, "operations.journal"),
        });
        track(agent.ServerPid);
        using var channel = PlatformChannel.ForAddress($"http://127.0.0.1:{agent.Port}", new PlatformChannelOptions());
        var calls = channel.CreateLoggedInvoker(NullLoggerFactory.Instance);
        var disk = new DriverDiskService.DriverDiskServiceClient(calls);
        var files = new FileService.FileServiceClient(calls);
        Progress($"agent pid {agent.ServerPid} on 127.0.0.1:{agent.Port}, driver disk in {stateDirectory}");
        await WaitForRecoveryAsync(disk);

        var memory = new MemorySampler(directory, agent.ServerPid, "agent (dotnet)");
        List<ProgramPeak> peaks;
        AgentRun run;
        try
        {
            var initialize = await StatePoller.TimeAsync(disk, async () => await disk.InitializeDriverDiskAsync(
                new InitializeDriverDiskRequest { OperationId = NewOperationId(), SizeBytes = (ulong)sizeBytes }, deadline: Deadline()));
            Expect(initialize.Result, version: 1, "initialize");
            Progress($"ours: initialize (build + mount) {initialize.Seconds:F2} s, of which mount {Format(initialize.Step("InitializeMount"))}");

            var upload = Stopwatch.StartNew();
            var uploaded = await UploadAsync(files, package);
            var uploadSeconds = upload.Elapsed.TotalSeconds;
            if ((long)uploaded.SizeBytes != package.Bytes || uploaded.Md5 != package.Md5)
            {
                throw new InvalidOperationException($"the upload arrived as {uploaded.SizeBytes} bytes md5 {uploaded.Md5}, not {package.Bytes} bytes md5 {package.Md5}");
            }
            Progress($"ours: upload {uploadSeconds:F2} s ({package.Bytes / 1e6 / uploadSeconds:F0} MB/s)");

            var import = await StatePoller.TimeAsync(disk, async () => await disk.ImportDriverArchiveAsync(new ImportDriverArchiveRequest
            {
                OperationId = NewOperationId(),
                UploadName = uploaded.Name,
                Folder = DriverFolder.SystemUniversal,
                TargetName = TargetName,
            }, deadline: Deadline()));
            CheckImport(import.Result, package, Path.Combine(stateDirectory, "run", "mnt", "sys", "wang", TargetName));
            Progress($"ours: import {import.Seconds:F2} s ({import.Result.ArchiveType}, {import.Result.Files} files, {import.Result.SizeBytes} bytes)");

            // The overlay holds the edit: the seed's path commits the same thing.
            var overlay = Directory.GetFiles(Path.Combine(stateDirectory, "disk"), "active-*.qcow2").Single();
            var overlayBytes = new FileInfo(overlay).Length;

            var save = await StatePoller.TimeAsync(disk, async () => await disk.SaveDriverDiskAsync(
                new SaveDriverDiskRequest { OperationId = NewOperationId() }, deadline: Deadline()));
            Expect(save.Result, version: 2, "save");
            Progress($"ours: save {save.Seconds:F2} s");
            var manifest = await disk.GetDriverDiskManifestAsync(new GetDriverDiskManifestRequest(), deadline: Deadline());

            // The mount's daemons, by the engine's pid file and by what they serve.
            var daemonPid = ReadPid(Path.Combine(stateDirectory, "run", "qemu-storage-daemon.pid"));
            var mountProcesses = memory.Current().Where(p => p.Name is "qemu-storage-daemon" or "ntfs-3g").ToList();
            peaks = await memory.StopAsync();
            run = new AgentRun(agent.ServerPid, initialize, uploadSeconds, import, overlayBytes, save, manifest, peaks, daemonPid, mountProcesses, 0, "", memory.Cpu);
        }
        finally
        {
            await memory.DisposeAsync();
        }

        // SIGTERM by PID: the agent unmounts (ntfs-3g flushes and exits, the storage daemon stops) and exits.
        var stopping = Stopwatch.StartNew();
        _ = ProcInfo.Signal(run.Pid, ProcInfo.SigTerm);
        var exited = await ProcInfo.WaitForExitAsync(run.Pid, TimeSpan.FromMinutes(2));
        var stopSeconds = stopping.Elapsed.TotalSeconds;
        track(null);
        var leftMounts = ProcInfo.MountsUnder(stateDirectory);
        var leftProcesses = run.MountProcesses.Where(p => ProcInfo.IsRunning(p.Pid)).ToList();
        var outcome = !exited ? "did not exit within 2 min (SIGKILL follows)"
            : leftMounts.Count > 0 || leftProcesses.Count > 0
                ? $"exited but left {string.Join(", ", leftMounts.Select(m => m.MountPoint).Concat(leftProcesses.Select(p => $"{p.Name} pid {p.Pid}")))}"
                : "exited; nothing left mounted, the mount's processes have exited";
        Progress($"ours: agent stopped (SIGTERM) in {stopSeconds:F2} s: {outcome}");
        return run with { StopSeconds = stopSeconds, StopOutcome = outcome };
    }

    /// <summary>The agent recovers its driver disk in the background at start: wait for that to end (it is not part of any step).</summary>
    private static async Task WaitForRecoveryAsync(DriverDiskService.DriverDiskServiceClient disk)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var state = await disk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: Deadline());
            if (state.Running.Length == 0)
            {
                if (state.Status != DriverDiskStatus.Unspecified || state.Version != 0)
                {
                    throw new InvalidOperationException($"the new agent's driver disk is not empty: {state}");
                }
                return;
            }
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"the agent's driver disk recovery did not end within 60 s: {state}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>FileService.UploadFile: a header with size and md5 (the agent checks both), then the ISO in 1 MiB messages.</summary>
    private static async Task<UploadFileResponse> UploadAsync(FileService.FileServiceClient files, DriverPackage package)
    {
        using var call = files.UploadFile(deadline: Deadline());
        await call.RequestStream.WriteAsync(new UploadFileRequest
        {
            Header = new UploadFileHeader { OperationId = NewOperationId(), Name = Path.GetFileName(package.Iso), SizeBytes = (ulong)package.Bytes, Md5 = package.Md5 },
        });
        var buffer = new byte[ChunkBytes];
        await using (var stream = new FileStream(package.Iso, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true))
        {
            int read;
            while ((read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
            {
                // The message is serialized before WriteAsync completes: the buffer is free again after it.
                await call.RequestStream.WriteAsync(new UploadFileRequest { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, read)) });
            }
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private static void Expect(DriverDiskState state, int version, string what)
    {
        if (state.Status != DriverDiskStatus.Normal || (long)state.Version != version || !state.Mounted)
        {
            throw new InvalidOperationException($"after {what} the driver disk should be normal, version {version}, mounted; it is {state}");
        }
    }

    /// <summary>The ISO's files are on the disk, as many as the package holds.</summary>
    private static void CheckImport(ImportDriverArchiveResponse import, DriverPackage package, string folder)
    {
        var onDisk = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count() : 0;
        if (import.Repeated || (int)import.Files != package.Files || onDisk != package.Files)
        {
            throw new InvalidOperationException($"the import reported {import} and {folder} holds {onDisk} files; the package has {package.Files}");
        }
    }

    private static int? ReadPid(string pidFile) =>
        File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static DateTime Deadline() => DateTime.UtcNow.AddMinutes(10);

    private static string NewOperationId() => "bench-" + Guid.NewGuid().ToString("N");

    private static string Format(double? seconds) => seconds is { } s ? $"{s:F2} s" : "n/a (the state shows no steps)";

    private static void Progress(string message) => GrpcBenchmark.Progress(message);
}
