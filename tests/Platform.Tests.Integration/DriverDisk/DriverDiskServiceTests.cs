using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.Agent.V1;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>
/// DriverDiskService as the controller meets it: the published agent in its own process, called
/// over gRPC, with real tools and disks; and that agent killed with SIGKILL in the middle of a save.
/// </summary>
[NonParallelizable]
public class DriverDiskServiceTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    private string _work = null!;
    private DriverArchives _archives = null!;
    private AgentProcess? _agent;
    private GrpcChannel? _channel;

    private DriverDiskService.DriverDiskServiceClient Disk => new(_channel ?? throw new InvalidOperationException("no agent"));

    private FileService.FileServiceClient Files => new(_channel ?? throw new InvalidOperationException("no agent"));

    private string BackupDirectory => Path.Combine(_work, "driver-backup");

    [OneTimeSetUp]
    public void RequireTools()
    {
        if (DriverDiskTestBase.ToolProblem.Value is { } problem)
        {
            if (TestEnvironment.InCi)
            {
                Assert.Fail(problem);
            }
            Assert.Ignore(problem);
        }
    }

    [SetUp]
    public async Task StartAgent()
    {
        _work = Directory.CreateTempSubdirectory("platform-dd-grpc-").FullName;
        _archives = new DriverArchives(Directory.CreateDirectory(Path.Combine(_work, "archives")).FullName);
        await StartAgentAsync();
    }

    [TearDown]
    public async Task StopAgent()
    {
        await StopAgentAsync();
        // The agent unmounts on SIGTERM: nothing of this test's disk may outlive it.
        var leftovers = ProcessesNaming(_work);
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Where(line => line.Contains(_work, StringComparison.Ordinal)).ToList();
        // Best-effort clean-up of what a failing test left, by PID and mount point, before the assertions.
        foreach (var (pid, _) in leftovers)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        foreach (var mountPoint in mounts.Select(line => line.Split(' ')[4]).Reverse())
        {
            await ChildProcess.RunAsync("umount", ["-l", mountPoint], TimeSpan.FromSeconds(30));
        }
        Directory.Delete(_work, recursive: true);
        Assert.Multiple(() =>
        {
            Assert.That(leftovers, Is.Empty, "no mount daemon of this disk outlives its agent");
            Assert.That(mounts, Is.Empty, "no mount of this disk outlives its agent");
        });
    }

    [Test]
    public async Task Initialize_import_save_and_download_through_grpc()
    {
        var before = await Disk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: Deadline());
        var initialized = await Disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "init-1" }, deadline: Deadline());
        var replayed = await Disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "init-1" }, deadline: Deadline());
        var again = (await Assert.ThrowsAsync<RpcException>(async () =>
            await Disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "init-2" }, deadline: Deadline())))!;

        var iso = await _archives.IsoAsync(new Dictionary<string, byte[]> { ["virtio/viostor.inf"] = DriverArchives.Text("[Version]\nSignature=\"$Windows NT$\"\n") });
        await UploadAsync(iso, "upload-virtio.iso");
        var imported = await Disk.ImportDriverArchiveAsync(new ImportDriverArchiveRequest
        {
            OperationId = "import-1", UploadName = "upload-virtio.iso", Folder = DriverFolder.SystemUniversal, TargetName = "virtio",
        }, deadline: Deadline());
        var saved = await Disk.SaveDriverDiskAsync(new SaveDriverDiskRequest { OperationId = "save-1" }, deadline: Deadline());
        var manifest = await Disk.GetDriverDiskManifestAsync(new GetDriverDiskManifestRequest(), deadline: Deadline());
        var downloadedBase = await DownloadMd5Async(manifest.Base.Name);

        Assert.Multiple(() =>
        {
            Assert.That(before.Status, Is.EqualTo(DriverDiskStatus.Unspecified), "no disk before initialize");
            Assert.That((initialized.Status, initialized.Mounted), Is.EqualTo((DriverDiskStatus.Normal, true)));
            Assert.That(replayed.Version, Is.EqualTo(initialized.Version), "a repeated operation id gets the first answer");
            Assert.That(again.StatusCode, Is.EqualTo(StatusCode.AlreadyExists));
            Assert.That(Reason(again), Is.EqualTo(nameof(DriverDiskErrorReason.AlreadyInitialized)));
            Assert.That(imported.Files, Is.GreaterThanOrEqualTo(1UL));
            Assert.That(imported.ArchiveType, Is.Not.Empty);
            Assert.That((saved.Status, saved.Version, saved.Mounted), Is.EqualTo((DriverDiskStatus.Normal, initialized.Version + 1, true)));
            Assert.That(manifest.Version, Is.EqualTo(saved.Version));
            Assert.That(manifest.Base.ToVersion, Is.EqualTo(saved.Version));
            Assert.That(downloadedBase, Is.EqualTo(manifest.Base.Md5), "the base downloads through FileService as the manifest describes it");
            Assert.That(File.Exists(Path.Combine(BackupDirectory, "sys", "wang", "virtio", "virtio", "viostor.inf"))
                || Directory.EnumerateFiles(Path.Combine(BackupDirectory, "sys", "wang", "virtio"), "viostor.inf", SearchOption.AllDirectories).Any(),
                Is.True, "the driver is mirrored into the backup folder");
        });
    }

    [Test]
    public async Task Bad_requests_are_refused_with_every_reason_and_change_nothing()
    {
        var notInitialized = (await Assert.ThrowsAsync<RpcException>(async () =>
            await Disk.SaveDriverDiskAsync(new SaveDriverDiskRequest { OperationId = "save-early" }, deadline: Deadline())))!;
        await Disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "init" }, deadline: Deadline());
        var stateBefore = await Disk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: Deadline());
        var backupBefore = Tree(BackupDirectory);

        var malformed = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.ImportDriverArchiveAsync(
            new ImportDriverArchiveRequest { OperationId = "", UploadName = "x.iso", Folder = DriverFolder.Unspecified, TargetName = "x" }, deadline: Deadline())))!;
        await UploadAsync(_archives.Program("setup.exe"), "renamed.iso");
        var notAnIso = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.ImportDriverArchiveAsync(
            new ImportDriverArchiveRequest { OperationId = "import-exe", UploadName = "renamed.iso", Folder = DriverFolder.SystemUniversal, TargetName = "setup" }, deadline: Deadline())))!;
        var slip = _archives.Zip(new Dictionary<string, byte[]> { ["../../escape.inf"] = DriverArchives.Text("x") }, "slip.zip");
        await UploadAsync(slip, "slip.zip");
        var zipSlip = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.ImportDriverArchiveAsync(
            new ImportDriverArchiveRequest { OperationId = "import-slip", UploadName = "slip.zip", Folder = DriverFolder.Printer, TargetName = "slip" }, deadline: Deadline())))!;
        var reserved = (await Assert.ThrowsAsync<RpcException>(async () => await UploadAsync(slip, "driverdisk-base-v9.qcow2")))!;
        var stateAfter = await Disk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: Deadline());

        Assert.Multiple(() =>
        {
            Assert.That((notInitialized.StatusCode, Reason(notInitialized)), Is.EqualTo((StatusCode.FailedPrecondition, nameof(DriverDiskErrorReason.NotInitialized))));
            Assert.That(malformed.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Fields(malformed), Is.SupersetOf(new[] { "operation_id", "folder" }), "every bad field at once");
            Assert.That(notAnIso.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Reason(notAnIso), Is.AnyOf(nameof(DriverDiskErrorReason.InvalidArchive), nameof(DriverDiskErrorReason.UnacceptableType)));
            Assert.That((zipSlip.StatusCode, Reason(zipSlip)), Is.EqualTo((StatusCode.InvalidArgument, nameof(DriverDiskErrorReason.InvalidArchive))));
            Assert.That(zipSlip.Status.Detail, Does.Contain("escape.inf"), "the refusal names the entry");
            Assert.That(reserved.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Fields(reserved), Does.Contain("header.name"));
            Assert.That(Tree(BackupDirectory), Is.EqualTo(backupBefore), "the backup is as before");
            Assert.That((stateAfter.Status, stateAfter.Version, stateAfter.Mounted), Is.EqualTo((stateBefore.Status, stateBefore.Version, stateBefore.Mounted)));
        });
    }

    /// <summary>
    /// SIGKILL of the agent while its save takes <paramref name="step"/> (seen in the state it
    /// reports), as a crash or an OOM kill would: the restarted agent is at the old or the new
    /// version, says so honestly, and saves again; the driver is still there.
    /// </summary>
    [TestCase("SaveUnmount")]
    [TestCase("SaveDelta")]
    [TestCase("SaveCommit")]
    [TestCase("SaveMount")]
    public async Task Agent_killed_during_save_comes_back_at_the_old_or_the_new_version(string step)
    {
        var initialized = await Disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "init" }, deadline: Deadline());
        // 32 MiB that do not compress: the delta step takes long enough to be caught.
        var iso = await _archives.IsoAsync(new Dictionary<string, byte[]>
        {
            ["big/driver.inf"] = DriverArchives.Text("[Version]\n"),
            ["big/payload.bin"] = RandomNumberGenerator.GetBytes(32 << 20),
        });
        await UploadAsync(iso, "big.iso");
        await Disk.ImportDriverArchiveAsync(new ImportDriverArchiveRequest
        {
            OperationId = "import", UploadName = "big.iso", Folder = DriverFolder.SystemUniversal, TargetName = "big",
        }, deadline: Deadline());
        var agent = _agent!;

        using var save = Disk.SaveDriverDiskAsync(new SaveDriverDiskRequest { OperationId = "save-killed" }, deadline: Deadline());
        var seen = await WaitForStepAsync(step, save.ResponseAsync);
        await agent.KillAsync();
        await Assert.ThrowsAsync<RpcException>(async () => await save.ResponseAsync, "the killed agent never answered the save");
        Assert.That(seen, Does.Contain(step), $"the save was killed during {step}");

        await StopAgentAsync();
        await StartAgentAsync();
        var recovered = await WaitUntilSettledAsync();
        var savedAgain = await Disk.SaveDriverDiskAsync(new SaveDriverDiskRequest { OperationId = "save-after" }, deadline: Deadline());
        var manifest = await Disk.GetDriverDiskManifestAsync(new GetDriverDiskManifestRequest(), deadline: Deadline());
        var mountsOfThisDisk = File.ReadAllLines("/proc/self/mountinfo").Count(line => line.Contains(_work, StringComparison.Ordinal) && line.Contains("fuse", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(recovered.Status, Is.EqualTo(DriverDiskStatus.Normal), () => $"recovered as {recovered}");
            Assert.That(recovered.Version, Is.EqualTo(initialized.Version).Or.EqualTo(initialized.Version + 1), "the old or the new version, nothing between");
            Assert.That(recovered.Mounted, Is.True);
            Assert.That((savedAgain.Status, savedAgain.Version), Is.EqualTo((DriverDiskStatus.Normal, recovered.Version + 1)));
            Assert.That(manifest.Version, Is.EqualTo(savedAgain.Version));
            Assert.That(Directory.EnumerateFiles(Path.Combine(BackupDirectory, "sys", "wang", "big"), "payload.bin", SearchOption.AllDirectories).Count(), Is.EqualTo(1),
                "the driver survived in the backup");
            Assert.That(mountsOfThisDisk, Is.EqualTo(2), "one writer: the export and the NTFS mount of the new overlay, nothing left from the killed agent");
        });
    }

    private async Task StartAgentAsync()
    {
        _agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            // Fixed directories (not the process's own), so that a restarted agent finds the disk.
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Transfer__Directory"] = Path.Combine(_work, "transfer"),
                ["PLATFORM_Operations__JournalPath"] = Path.Combine(_work, "operations.journal"),
                ["PLATFORM_DriverDisk__StateDirectory"] = Path.Combine(_work, "driver-disk"),
                ["PLATFORM_DriverDisk__BackupDirectory"] = BackupDirectory,
            },
        });
        _channel = GrpcChannel.ForAddress(_agent.GrpcUrl);
    }

    private async Task StopAgentAsync()
    {
        _channel?.Dispose();
        _channel = null;
        if (_agent is { } agent)
        {
            _agent = null;
            await agent.DisposeAsync();
        }
    }

    /// <summary>Polls the state until the running save takes <paramref name="step"/>; fails if the save ends first.</summary>
    private async Task<string> WaitForStepAsync(string step, Task saving)
    {
        var clock = Stopwatch.StartNew();
        var polls = 0;
        var steps = new List<string>();
        while (clock.Elapsed < CallTimeout)
        {
            var state = await Disk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: Deadline());
            polls++;
            if (steps.Count == 0 || steps[^1] != state.Running)
            {
                steps.Add(state.Running);
            }
            if (state.Running.Contains(step, StringComparison.Ordinal))
            {
                return state.Running;
            }
            if (saving.IsCompleted)
            {
                break;
            }
        }
        var outcome = saving.IsCompletedSuccessfully ? "it succeeded" : $"it failed: {saving.Exception?.InnerException?.Message}";
        Assert.Fail($"the save did not show step {step} before it ended ({outcome}); steps seen in {polls} polls over {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(" → ", steps)}");
        return "";
    }

    /// <summary>The restarted agent recovers in the background: waits until no command runs.</summary>
    private async Task<DriverDiskState> WaitUntilSettledAsync()
    {
        DriverDiskState? state = null;
        await Eventually.HoldsAsync(async () =>
        {
            state = await Disk.GetDriverDiskStateAsync(new GetDriverDiskStateRequest(), deadline: Deadline());
            return state.Running.Length == 0 && state.Status != DriverDiskStatus.Restoring;
        }, TimeSpan.FromMinutes(1), "the restarted agent finished its recovery");
        return state!;
    }

    private async Task UploadAsync(string path, string name)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        using var upload = Files.UploadFile(deadline: Deadline());
        await upload.RequestStream.WriteAsync(new UploadFileRequest
        {
            Header = new UploadFileHeader { OperationId = $"upload-{Guid.NewGuid():N}", Name = name, SizeBytes = (ulong)bytes.Length, Md5 = InteropPeers.Md5Hex(bytes) },
        });
        for (var offset = 0; offset < bytes.Length; offset += 1 << 20)
        {
            await upload.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(bytes, offset, Math.Min(1 << 20, bytes.Length - offset)) });
        }
        await upload.RequestStream.CompleteAsync();
        await upload;
    }

    private async Task<string> DownloadMd5Async(string name)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var download = Files.DownloadFile(new DownloadFileRequest { Name = name }, deadline: Deadline());
        await foreach (var chunk in download.ResponseStream.ReadAllAsync())
        {
            md5.AppendData(chunk.Data.Span);
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    private static string? Reason(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    private static List<string> Fields(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];

    private static IReadOnlyList<string> Tree(string root) =>
        Directory.Exists(root) ? DiskViews.Tree(root) : [];

    /// <summary>Processes whose command line names <paramref name="path"/> (the disk's mount daemons).</summary>
    private static List<(int Pid, string CommandLine)> ProcessesNaming(string path)
    {
        var found = new List<(int, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(path, StringComparison.Ordinal))
                {
                    found.Add((pid, commandLine));
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
        return found;
    }
}
