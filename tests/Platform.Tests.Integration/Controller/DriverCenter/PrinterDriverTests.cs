using System.Net;
using System.Text.Json;
using Platform.Tests.Integration.DriverDisk;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>Printer drivers through /thor/voi/printer, on the real agent's driver disk.</summary>
[TestFixture]
[NonParallelizable]
public sealed class PrinterDriverTests : DriverCenterTestBase
{
    // A secret of the run like any other: the run's secret scan looks for it in every log.
    private static readonly string Password = Infrastructure.TestSecrets.Record("Sh4red-" + Guid.NewGuid().ToString("N")[..12], "shared printer password");

    [Test]
    public async Task Upload_duplicate_and_switch_a_copy_to_a_shared_printer_whose_password_never_comes_back()
    {
        var stem = Unique("hp-laserjet");
        var zip = Archives.Zip(new Dictionary<string, byte[]>
        {
            ["hpcu.inf"] = DriverArchives.Text("[Version]\n"),
            ["x64/hpcu.dll"] = DriverArchives.Bytes(48 * 1024, seed: 5),
        }, stem + ".zip");
        var uploaded = (await Api.UploadAsync("/thor/voi/printer/upload", zip, null, ("describe", "2nd floor"))).Root.GetProperty("result")[0];
        var id = uploaded.GetProperty("id").GetInt64();
        Assert.That((uploaded.GetProperty("name").GetString(), uploaded.GetProperty("type").GetInt32(), uploaded.GetProperty("upload_type").GetInt32(),
            uploaded.GetProperty("client_nums").GetInt32(), uploaded.GetProperty("describe").GetString()), Is.EqualTo((stem, 1, 2, 0, "2nd floor")));
        var folder = await FolderAsync(id);
        Assert.That(File.Exists(BackupPath($"pri/{folder}/x64/hpcu.dll")), "the zip is extracted into pri/");
        var initial = await PublicConfigAsync(folder);
        Assert.That((initial.GetProperty("type").GetInt32(), initial.GetProperty("name").GetString()), Is.EqualTo((1, stem)));

        var copy = (await Api.PostAsync("/thor/voi/printer/duplicate", new { id })).Root.GetProperty("result")[0];
        var copyId = copy.GetProperty("id").GetInt64();
        Assert.That(copyId, Is.Not.EqualTo(id));
        Assert.That(copy.GetProperty("name").GetString(), Is.EqualTo(stem + " 副本"));
        var copyFolder = await FolderAsync(copyId);
        Assert.That(copyFolder, Is.Not.EqualTo(folder));
        Assert.That(File.ReadAllBytes(BackupPath($"pri/{copyFolder}/x64/hpcu.dll")), Is.EqualTo(File.ReadAllBytes(BackupPath($"pri/{folder}/x64/hpcu.dll"))));

        var shared = await Api.PostAsync("/thor/voi/printer/config", new { id = copyId, type = 2, paper = "9", duplex_print = 21, ip = "192.0.2.10", accounts = "print", password = Password });
        Assert.That(shared.Code, Is.Zero, shared.Body);
        // Compared as flags: a failure must not print the password it found.
        Assert.That(shared.Body.Contains(Password, StringComparison.Ordinal), Is.False, "the answer never carries the password");
        var view = shared.Root.GetProperty("result");
        Assert.That((view.GetProperty("type").GetInt32(), view.GetProperty("ip").GetString(), view.GetProperty("has_password").GetBoolean()), Is.EqualTo((2, "192.0.2.10", true)));
        var file = await PublicConfigAsync(copyFolder);
        Assert.That((file.GetProperty("type").GetInt32(), file.GetProperty("ip").GetString(), file.GetProperty("accounts").GetString(), file.GetProperty("duplex_print").GetInt32()),
            Is.EqualTo((2, "192.0.2.10", "print", 21)), "the file terminals receive is rewritten");
        Assert.That(File.ReadAllText(BackupPath($"pri/{copyFolder}/public_config.json")).Contains(Password, StringComparison.Ordinal), Is.False, "the disk goes to every terminal: no password on it");
        Assert.That((await PublicConfigAsync(folder)).GetProperty("type").GetInt32(), Is.EqualTo(1), "the original keeps its own config");

        await using (var command = Database.CreateCommand("SELECT password_protected FROM printer_drivers WHERE id = @id"))
        {
            command.Parameters.AddWithValue("id", copyId);
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.That((stored.Length > 0, stored.Contains(Password, StringComparison.Ordinal)), Is.EqualTo((true, false)), "stored encrypted");
        }
        Assert.That((await Api.GetAsync("/thor/voi/printer")).Body.Contains(Password, StringComparison.Ordinal), Is.False, "the list never carries the password");
        Assert.That(await CountAsync("SELECT count(*) FROM audit_events WHERE detail::text LIKE @p", ("p", $"%{Password}%")), Is.Zero, "nor in the audit trail");
        Assert.That(Controller.Output.Contains(Password, StringComparison.Ordinal), Is.False, "nor in the log");

        var network = (await Api.PostAsync("/thor/voi/printer/config", new { id = copyId, type = 3, ip = "192.0.2.20", port = 9101 })).Root.GetProperty("result");
        Assert.That((network.GetProperty("type").GetInt32(), network.GetProperty("port").GetInt32(), network.GetProperty("has_password").GetBoolean()), Is.EqualTo((3, 9101, false)),
            "a network printer has no account: the stored password goes");

        var renamed = Unique("renamed");
        var edited = (await Api.PutAsync("/thor/voi/printer", new { id, name = renamed, describe = "moved" })).Root.GetProperty("result");
        Assert.That(edited.GetProperty("name").GetString(), Is.EqualTo(renamed));

        (await Api.PostAsync("/thor/voi/printer", new { action = "delete", ids = new[] { id, copyId } })).Result();
        Assert.That(Directory.Exists(BackupPath($"pri/{folder}")) || Directory.Exists(BackupPath($"pri/{copyFolder}")), Is.False);
        var listed = (await Api.GetAsync("/thor/voi/printer")).Result().EnumerateArray().Select(p => p.GetProperty("id").GetInt64());
        Assert.That(listed, Does.Not.Contain(id).And.Not.Contain(copyId));
    }

    [Test]
    public async Task The_seeds_printer_errors()
    {
        AssertRefused(await Api.PostAsync("/thor/voi/printer/config", new { id = 987654321, type = 1 }), HttpStatusCode.NotFound, 40410, "打印机驱动不存在");
        AssertRefused(await Api.PostAsync("/thor/voi/printer/duplicate", new { id = 987654321 }), HttpStatusCode.NotFound, 40410, "打印机驱动不存在");
        AssertRefused(await Api.PostAsync("/thor/voi/printer", new { action = "delete", ids = new[] { 987654321 } }), HttpStatusCode.NotFound, 40410, "打印机驱动不存在");
        AssertRefused(await Api.PostAsync("/thor/voi/printer/config", new { id = 1, file_name = "hpcu.inf", type = 1 }), HttpStatusCode.BadRequest, 40012, "文件名不正确，仅支持更新公有配置文件");
        var (iso, _) = await UniversalDriverFileAsync("not-a-printer");
        AssertRefused(await Api.UploadAsync("/thor/voi/printer/upload", iso), HttpStatusCode.BadRequest, 40010, "不是一个可接受的文件类型");
        var rows = await CountAsync("SELECT count(*) FROM printer_drivers");
        AssertRefused(await Api.UploadAsync("/thor/voi/printer/upload", Archives.CorruptZip(Unique("crc") + ".zip")), HttpStatusCode.BadRequest, 40011, "上传驱动文件失败！");
        Assert.That(await CountAsync("SELECT count(*) FROM printer_drivers"), Is.EqualTo(rows), "a refused upload leaves no row");
        Assert.That(TransferFiles(), Is.Empty, "and no file");

        var zip = Archives.Zip(new Dictionary<string, byte[]> { ["p.inf"] = [1] }, Unique("p") + ".zip");
        var id = (await Api.UploadAsync("/thor/voi/printer/upload", zip)).Root.GetProperty("result")[0].GetProperty("id").GetInt64();
        var bad = await Api.PostAsync("/thor/voi/printer/config", new { id, type = 2, paper = "Z9", duplex_print = 3 });
        Assert.That((bad.Status, bad.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), bad.Body);
        Assert.That(bad.Message, Does.Contain("paper").And.Contain("duplex_print").And.Contain("ip"), "every problem at once");
    }

    private async Task<string> FolderAsync(long id)
    {
        await using var command = Database.CreateCommand("SELECT file_name FROM printer_drivers WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<JsonElement> PublicConfigAsync(string folder) =>
        JsonDocument.Parse(await File.ReadAllTextAsync(BackupPath($"pri/{folder}/public_config.json"))).RootElement;
}
