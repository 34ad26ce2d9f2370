using System.Net;
using System.Text.Json;
using Npgsql;
using Platform.Tests.Integration.DriverDisk;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>
/// The driver center as the console uses it: the fixture's controller and agent (the only host,
/// so the driver-center host by default), real archives uploaded through /thor/voi, the disk on
/// the agent checked in its backup folder, the inventory with SQL.
/// </summary>
public abstract class DriverCenterTestBase : ControllerTestBase
{
    private protected DriverArchives Archives { get; private set; } = null!;

    private protected static readonly TimeSpan SaveTimeout = TimeSpan.FromMinutes(3);

    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings)
        {
            // Small enough that a test can exceed it; every other upload here is far below.
            ["DriverCenter:MaxUploadBytes"] = (8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>Every test starts with the disk at rest: a save or restore another test began has ended.</summary>
    [SetUp]
    public async Task WaitForTheDiskAtRestAsync() =>
        await Eventually.HoldsAsync(async () =>
        {
            var answer = await Api.GetAsync("/thor/voi/driver/mount");
            return answer.Code != 0 || answer.Root.GetProperty("result").GetProperty("mount_status").GetInt32() is not (2 or 4);
        }, SaveTimeout, "no save or restore running");

    [OneTimeSetUp]
    public void CreateArchives() =>
        Archives = new DriverArchives(Directory.CreateDirectory(Path.Combine(WorkDirectory, "archives-" + Guid.NewGuid().ToString("N")[..8])).FullName);

    /// <summary>The folder of a driver in the agent's backup (the seed's /opt/voi_drive), e.g. sys/wang/NAME.</summary>
    protected string BackupPath(string relative) => Path.Combine(AgentDirectory, "driver-backup", relative);

    protected string[] TransferFiles() =>
        Directory.Exists(Path.Combine(AgentDirectory, "transfer"))
            ? Directory.GetFiles(Path.Combine(AgentDirectory, "transfer")).Select(f => Path.GetFileName(f)).Where(n => !n.StartsWith("driverdisk-", StringComparison.Ordinal)).ToArray()
            : [];

    /// <summary>A universal driver (.iso by genisoimage) with a unique name.</summary>
    protected async Task<(string Path, string Stem)> UniversalDriverFileAsync(string prefix = "wang")
    {
        var stem = Unique(prefix);
        var iso = await Archives.IsoAsync(new Dictionary<string, byte[]>
        {
            ["net/e1000.inf"] = DriverArchives.Text("[Version]\nSignature=\"$Windows NT$\"\n"),
            ["net/e1000.sys"] = DriverArchives.Bytes(96 * 1024, seed: stem.GetHashCode(StringComparison.Ordinal)),
        }, stem + ".iso");
        return (iso, stem);
    }

    /// <summary>An extracted driver (.tq, a zip by content) with a unique name.</summary>
    protected (string Path, string Stem) ExtractedDriverFile(string prefix = "tq")
    {
        var stem = Unique(prefix);
        var tq = Archives.Zip(new Dictionary<string, byte[]>
        {
            ["Dell-7090/audio.inf"] = DriverArchives.Text("[Version]\n"),
            ["Dell-7090/audio.sys"] = DriverArchives.Bytes(32 * 1024, seed: 3),
        }, stem + ".tq");
        return (tq, stem);
    }

    /// <summary>Uploads a driver file; answers the new driver's id.</summary>
    protected async Task<long> UploadDriverAsync(string file, params (string Name, string Value)[] fields)
    {
        var answer = await Api.UploadAsync("/thor/voi/driver/upload", file, null, fields);
        var driver = answer.Ok()[0];
        return driver.GetProperty("id").GetInt64();
    }

    protected async Task<JsonElement?> ListedDriverAsync(long id)
    {
        foreach (var driver in (await Api.GetAsync("/thor/voi/driver")).Ok().EnumerateArray())
        {
            if (driver.GetProperty("id").GetInt64() == id)
            {
                return driver;
            }
        }
        return null;
    }

    protected async Task<JsonElement> MountStateAsync() => (await Api.GetAsync("/thor/voi/driver/mount")).Result();

    /// <summary>Saves and waits (with a deadline) until the disk is normal again; answers the new version.</summary>
    protected async Task<long> SaveAsync()
    {
        var before = (await MountStateAsync()).GetProperty("version").GetInt64();
        var started = (await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false })).Result();
        Assert.That(started.GetProperty("mount_status").GetInt32(), Is.EqualTo(2), "a save answers at once with state 2 (merging)");
        Assert.That(started.GetProperty("task_id").GetString(), Does.StartWith("task-"));
        JsonElement state = default;
        await Eventually.HoldsAsync(async () =>
        {
            state = await MountStateAsync();
            return state.GetProperty("mount_status").GetInt32() != 2;
        }, SaveTimeout, "the save finished");
        Assert.That(state.GetProperty("mount_status").GetInt32(), Is.EqualTo(1), $"the save ended normal: {state}");
        var version = state.GetProperty("version").GetInt64();
        Assert.That(version, Is.GreaterThan(before));
        return version;
    }

    protected async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Database.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private protected static void AssertRefused(ApiResponse answer, HttpStatusCode status, int code, string message)
    {
        Assert.That((answer.Status, answer.Code, answer.Message), Is.EqualTo((status, code, message)), answer.Body);
    }
}
