using System.Security.Cryptography;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Platform.Contracts.Agent.V1;
using Platform.Contracts.Limits;
using Platform.Tests.Integration.Grpc;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>
/// What the controller's driver center calls besides imports: CopyDriver, WriteDriverFile,
/// ListDrivers, and FileService's uploads of unknown length and deletes, against the published
/// agent in its own process (uploads capped at 1 MiB here).
/// </summary>
[NonParallelizable]
public class DriverDiskEditServiceTests
{
    private const int MaxUploadBytes = 1 << 20;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    private string _work = null!;
    private AgentProcess? _agent;
    private GrpcChannel? _channel;

    private DriverDiskService.DriverDiskServiceClient Disk => new(_channel ?? throw new InvalidOperationException("no agent"));

    private FileService.FileServiceClient Files => new(_channel ?? throw new InvalidOperationException("no agent"));

    private string BackupDirectory => Path.Combine(_work, "driver-backup");

    private string TransferDirectory => Path.Combine(_work, "transfer");

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
        _work = Directory.CreateTempSubdirectory("platform-dd-edit-").FullName;
        _agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            Environment = new Dictionary<string, string>
            {
                ["PLATFORM_Transfer__Directory"] = TransferDirectory,
                ["PLATFORM_Transfer__MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PLATFORM_Operations__JournalPath"] = Path.Combine(_work, "operations.journal"),
                ["PLATFORM_DriverDisk__StateDirectory"] = Path.Combine(_work, "driver-disk"),
                ["PLATFORM_DriverDisk__BackupDirectory"] = BackupDirectory,
            },
        });
        _channel = GrpcChannel.ForAddress(_agent.GrpcUrl);
    }

    [TearDown]
    public async Task StopAgent()
    {
        _channel?.Dispose();
        _channel = null;
        if (_agent is { } agent)
        {
            _agent = null;
            await agent.DisposeAsync();
        }
        // The agent unmounts on SIGTERM: nothing of this test's disk may outlive it.
        var mounts = File.ReadAllLines("/proc/self/mountinfo").Where(line => line.Contains(_work, StringComparison.Ordinal)).ToList();
        foreach (var mountPoint in mounts.Select(line => line.Split(' ')[4]).Reverse())
        {
            await ChildProcess.RunAsync("umount", ["-l", mountPoint], TimeSpan.FromSeconds(30));
        }
        Directory.Delete(_work, recursive: true);
        Assert.That(mounts, Is.Empty, "no mount of this disk outlives its agent");
    }

    [Test]
    public async Task Copy_write_and_list_through_grpc()
    {
        await Disk.InitializeDriverDiskAsync(new InitializeDriverDiskRequest { OperationId = "init", SizeBytes = 1UL << 30 }, deadline: Deadline());
        var zip = new DriverArchives(Directory.CreateDirectory(Path.Combine(_work, "archives")).FullName).Zip(new Dictionary<string, byte[]>
        {
            ["HP LaserJet/hpcu.inf"] = DriverArchives.Text("[Version]\n"),
            ["HP LaserJet/hpcu.dll"] = DriverArchives.Bytes(50_000, seed: 3),
        }, "hp.zip");
        var zipBytes = await File.ReadAllBytesAsync(zip);
        await UploadAsync("hp.zip", zipBytes, announceSize: false);
        await Disk.ImportDriverArchiveAsync(new ImportDriverArchiveRequest { OperationId = "import", UploadName = "hp.zip", Folder = DriverFolder.Printer, TargetName = "HP" }, deadline: Deadline());
        var deleted = await Files.DeleteFileAsync(new DeleteFileRequest { Name = "hp.zip" }, deadline: Deadline());

        var copyRequest = new CopyDriverRequest { OperationId = "copy", Folder = DriverFolder.Printer, SourceName = "HP", TargetName = "HP 2" };
        var copied = await Disk.CopyDriverAsync(copyRequest, deadline: Deadline());
        var replayed = await Disk.CopyDriverAsync(copyRequest, deadline: Deadline());
        var repeated = await Disk.CopyDriverAsync(new CopyDriverRequest(copyRequest) { OperationId = "copy-again" }, deadline: Deadline());
        var taken = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.CopyDriverAsync(new CopyDriverRequest(copyRequest) { OperationId = "copy-taken", TargetName = "hp 2" }, deadline: Deadline())))!;
        var missing = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.CopyDriverAsync(new CopyDriverRequest(copyRequest) { OperationId = "copy-missing", SourceName = "Nope" }, deadline: Deadline())))!;
        var malformed = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.CopyDriverAsync(new CopyDriverRequest { OperationId = "", Folder = (DriverFolder)9, SourceName = "a/b", TargetName = "" }, deadline: Deadline())))!;

        var config = DriverArchives.Text("[printer]\nname=HP 2\n");
        var written = await Disk.WriteDriverFileAsync(new WriteDriverFileRequest
        {
            OperationId = "write", Folder = DriverFolder.Printer, TargetName = "HP 2", FileName = "public.ini", Content = ByteString.CopyFrom(config),
        }, deadline: Deadline());
        var tooLarge = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.WriteDriverFileAsync(new WriteDriverFileRequest
        {
            OperationId = "write-large", Folder = DriverFolder.Printer, TargetName = "HP 2", FileName = "public.ini", Content = ByteString.CopyFrom(new byte[DriverDiskLimits.MaxDriverFileBytes + 1]),
        }, deadline: Deadline())))!;
        var badName = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.WriteDriverFileAsync(new WriteDriverFileRequest
        {
            OperationId = "write-bad", Folder = DriverFolder.Printer, TargetName = "HP 2", FileName = "../x", Content = ByteString.CopyFrom(config),
        }, deadline: Deadline())))!;
        var noDriver = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.WriteDriverFileAsync(new WriteDriverFileRequest
        {
            OperationId = "write-missing", Folder = DriverFolder.Printer, TargetName = "Nope", FileName = "public.ini", Content = ByteString.CopyFrom(config),
        }, deadline: Deadline())))!;

        var all = await Disk.ListDriversAsync(new ListDriversRequest(), deadline: Deadline());
        var universal = await Disk.ListDriversAsync(new ListDriversRequest { Folder = DriverFolder.SystemUniversal }, deadline: Deadline());
        var badFolder = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.ListDriversAsync(new ListDriversRequest { Folder = (DriverFolder)9 }, deadline: Deadline())))!;

        Assert.Multiple(() =>
        {
            Assert.That((deleted.Existed, File.Exists(Path.Combine(TransferDirectory, "hp.zip"))), Is.EqualTo((true, false)), "the upload is deleted once imported");
            Assert.That((copied.Files, copied.SizeBytes), Is.EqualTo((2UL, 50_000UL + 10)));
            Assert.That(replayed, Is.EqualTo(copied), "a repeated operation id gets the first answer");
            Assert.That(repeated, Is.EqualTo(copied), "the same copy under a new operation id is done already");
            Assert.That((taken.StatusCode, Reason(taken)), Is.EqualTo((StatusCode.AlreadyExists, nameof(DriverDiskErrorReason.DriverExists))));
            Assert.That((missing.StatusCode, Reason(missing)), Is.EqualTo((StatusCode.NotFound, nameof(DriverDiskErrorReason.DriverNotFound))));
            Assert.That(malformed.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Fields(malformed), Is.SupersetOf(new[] { "operation_id", "folder" }), "every bad field at once");
            Assert.That((written.SizeBytes, written.Sha256), Is.EqualTo(((ulong)config.Length, Convert.ToHexStringLower(SHA256.HashData(config)))));
            Assert.That(File.ReadAllBytes(Path.Combine(BackupDirectory, "pri", "HP 2", "public.ini")), Is.EqualTo(config), "the file is in the backup");
            Assert.That((tooLarge.StatusCode, Reason(tooLarge)), Is.EqualTo((StatusCode.InvalidArgument, nameof(DriverDiskErrorReason.InvalidParameter))));
            Assert.That(Fields(tooLarge), Is.EqualTo(new[] { "content" }));
            Assert.That(tooLarge.Status.Detail, Does.Contain("65536"));
            Assert.That(badName.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Fields(badName), Is.EqualTo(new[] { "file_name" }));
            Assert.That((noDriver.StatusCode, Reason(noDriver)), Is.EqualTo((StatusCode.NotFound, nameof(DriverDiskErrorReason.DriverNotFound))));
            Assert.That(all.Drivers.Select(d => (d.Folder, d.Name, d.Files)), Is.EqualTo(new[] { (DriverFolder.Printer, "HP", 2UL), (DriverFolder.Printer, "HP 2", 3UL) }));
            Assert.That(all.Drivers.Select(d => d.Sha256).Distinct(), Is.EqualTo(new[] { Convert.ToHexStringLower(SHA256.HashData(zipBytes)) }), "the upload's sha256, kept by the copy");
            Assert.That(all.Drivers.Select(d => d.ArchiveType).Distinct(), Is.EqualTo(new[] { "zip" }));
            Assert.That(all.Drivers[0].ImportedAt, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(600));
            Assert.That(all.Drivers[1].SizeBytes, Is.EqualTo(copied.SizeBytes + (ulong)config.Length));
            Assert.That(universal.Drivers, Is.Empty);
            Assert.That(badFolder.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        });
    }

    [Test]
    public async Task Uploads_of_unknown_length_stop_at_the_maximum_and_uploads_are_deleted_by_name()
    {
        var small = RandomNumberGenerator.GetBytes(100_000);
        var uploaded = await UploadAsync("small.zip", small, announceSize: false);
        var exact = await UploadAsync("exact.bin", RandomNumberGenerator.GetBytes(MaxUploadBytes), announceSize: false);
        var endless = (await Assert.ThrowsAsync<RpcException>(async () => await UploadAsync("endless.bin", RandomNumberGenerator.GetBytes(MaxUploadBytes + 1), announceSize: false)))!;
        var announced = (await Assert.ThrowsAsync<RpcException>(async () => await UploadAsync("announced.bin", [], announceSize: false, announcedSize: MaxUploadBytes + 1UL)))!;
        var shortOne = (await Assert.ThrowsAsync<RpcException>(async () => await UploadAsync("short.bin", small, announceSize: false, announcedSize: (ulong)small.Length + 1)))!;

        var deleted = await Files.DeleteFileAsync(new DeleteFileRequest { Name = "small.zip" }, deadline: Deadline());
        var again = await Files.DeleteFileAsync(new DeleteFileRequest { Name = "small.zip" }, deadline: Deadline());
        var reserved = (await Assert.ThrowsAsync<RpcException>(async () => await Files.DeleteFileAsync(new DeleteFileRequest { Name = "driverdisk-base-v1.qcow2" }, deadline: Deadline())))!;
        var escape = (await Assert.ThrowsAsync<RpcException>(async () => await Files.DeleteFileAsync(new DeleteFileRequest { Name = "../operations.journal" }, deadline: Deadline())))!;

        var notInitialized = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.CopyDriverAsync(new CopyDriverRequest { OperationId = "copy", Folder = DriverFolder.Printer, SourceName = "A", TargetName = "B" }, deadline: Deadline())))!;
        var notInitializedList = (await Assert.ThrowsAsync<RpcException>(async () => await Disk.ListDriversAsync(new ListDriversRequest(), deadline: Deadline())))!;

        Assert.Multiple(() =>
        {
            Assert.That((uploaded.SizeBytes, uploaded.Md5), Is.EqualTo(((ulong)small.Length, InteropPeers.Md5Hex(small))), "an upload without size_bytes succeeds");
            Assert.That(exact.SizeBytes, Is.EqualTo((ulong)MaxUploadBytes), "exactly the maximum is allowed");
            Assert.That(endless.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted), "one byte more is not");
            Assert.That(announced.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted), "an announced size over the maximum is refused at the header");
            Assert.That(shortOne.StatusCode, Is.EqualTo(StatusCode.DataLoss), "an announced size is still checked");
            Assert.That((deleted.Existed, again.Existed), Is.EqualTo((true, false)));
            Assert.That(reserved.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Fields(reserved), Is.EqualTo(new[] { "name" }));
            Assert.That(escape.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(File.Exists(Path.Combine(_work, "operations.journal")), Is.True, "nothing outside the transfer area is deleted");
            Assert.That(Directory.EnumerateFiles(TransferDirectory).Select(Path.GetFileName), Is.EquivalentTo(new[] { "exact.bin" }), "refused uploads leave nothing, not even partial files");
            Assert.That((notInitialized.StatusCode, Reason(notInitialized)), Is.EqualTo((StatusCode.FailedPrecondition, nameof(DriverDiskErrorReason.NotInitialized))));
            Assert.That((notInitializedList.StatusCode, Reason(notInitializedList)), Is.EqualTo((StatusCode.FailedPrecondition, nameof(DriverDiskErrorReason.NotInitialized))));
        });
    }

    /// <summary>Uploads <paramref name="bytes"/> in 256 KiB chunks, announcing its size (or <paramref name="announcedSize"/>) only when asked.</summary>
    private async Task<UploadFileResponse> UploadAsync(string name, byte[] bytes, bool announceSize, ulong? announcedSize = null)
    {
        using var upload = Files.UploadFile(deadline: Deadline());
        var header = new UploadFileHeader { OperationId = $"upload-{Guid.NewGuid():N}", Name = name };
        if (announceSize || announcedSize is not null)
        {
            header.SizeBytes = announcedSize ?? (ulong)bytes.Length;
        }
        await upload.RequestStream.WriteAsync(new UploadFileRequest { Header = header });
        try
        {
            for (var offset = 0; offset < bytes.Length; offset += 256 << 10)
            {
                await upload.RequestStream.WriteAsync(new UploadFileRequest { Data = ByteString.CopyFrom(bytes, offset, Math.Min(256 << 10, bytes.Length - offset)) });
            }
            await upload.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The agent refused mid-stream; its answer says why.
        }
        catch (InvalidOperationException)
        {
            // The call already ended (the agent refused); its answer says why.
        }
        return await upload;
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    private static string? Reason(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    private static List<string> Fields(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
}
