using System.Net;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>System drivers through /thor/voi/driver, on the real agent's driver disk.</summary>
[TestFixture]
[NonParallelizable]
public sealed class SystemDriverTests : DriverCenterTestBase
{
    [Test]
    public async Task Upload_list_edit_and_delete_a_universal_and_an_extracted_driver()
    {
        var (iso, isoStem) = await UniversalDriverFileAsync();
        var (tq, tqStem) = ExtractedDriverFile();
        var universal = await UploadDriverAsync(iso, ("describe", "e1000 for every model"));
        var extracted = await UploadDriverAsync(tq, ("environment", "Windows7_64"));

        var listedUniversal = (await ListedDriverAsync(universal))!.Value;
        Assert.That(listedUniversal.GetProperty("name").GetString(), Is.EqualTo(isoStem));
        Assert.That(listedUniversal.GetProperty("type").GetInt32(), Is.EqualTo(1));
        Assert.That(listedUniversal.GetProperty("os_type").GetInt32(), Is.EqualTo(4), "no environment given: Windows10_64");
        Assert.That(listedUniversal.GetProperty("describe").GetString(), Is.EqualTo("e1000 for every model"));
        Assert.That(listedUniversal.GetProperty("size").GetInt64(), Is.GreaterThan(96 * 1024));
        Assert.That(listedUniversal.GetProperty("tpl_num").GetInt32(), Is.Zero);
        Assert.That(listedUniversal.GetProperty("create_at").GetInt64(), Is.GreaterThan(1_700_000_000));
        var listedExtracted = (await ListedDriverAsync(extracted))!.Value;
        Assert.That((listedExtracted.GetProperty("type").GetInt32(), listedExtracted.GetProperty("os_type").GetInt32()), Is.EqualTo((2, 2)));

        Assert.That(File.Exists(BackupPath($"sys/wang/{isoStem}/net/e1000.sys")), "the .iso is extracted into sys/wang");
        Assert.That(File.Exists(BackupPath($"sys/tq/{tqStem}/Dell-7090/audio.sys")), "the .tq is extracted into sys/tq");
        Assert.That(TransferFiles(), Is.Empty, "uploads are deleted once imported");

        var renamed = Unique("renamed");
        var edited = (await Api.PutAsync("/thor/voi/driver", new { id = extracted, name = renamed, environment = "Windows10_32", describe = "Dell 7090" })).Ok();
        Assert.That((edited.GetProperty("name").GetString(), edited.GetProperty("os_type").GetInt32(), edited.GetProperty("describe").GetString()),
            Is.EqualTo((renamed, 3, "Dell 7090")));

        var deleted = (await Api.PostAsync("/thor/voi/driver", new { action = "delete", ids = new[] { universal, extracted } })).Ok();
        Assert.That(deleted.GetProperty("ids").GetArrayLength(), Is.EqualTo(2));
        Assert.That(await ListedDriverAsync(universal), Is.Null);
        Assert.That(await ListedDriverAsync(extracted), Is.Null);
        Assert.That(Directory.Exists(BackupPath($"sys/wang/{isoStem}")), Is.False, "deleted from the disk's backup too");
        Assert.That(await CountAsync("SELECT count(*) FROM drivers WHERE id = ANY(@ids) AND deleted AND deleted_at IS NOT NULL", ("ids", new[] { universal, extracted })),
            Is.EqualTo(2), "rows are soft-deleted, as the seed keeps them");
        Assert.That(await CountAsync("SELECT count(*) FROM audit_events WHERE action IN ('voi.driver.upload', 'voi.driver.update', 'voi.driver.delete') AND resource_id = ANY(@ids)",
            ("ids", new[] { $"driver-{universal}", $"driver-{extracted}" })), Is.EqualTo(5));
    }

    [Test]
    public async Task Every_refused_upload_answers_the_seeds_message_and_leaves_no_row_and_no_file()
    {
        var rowsBefore = await CountAsync("SELECT count(*) FROM drivers");
        var (iso, _) = await UniversalDriverFileAsync();

        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", Archives.Program(Unique("tool") + ".exe")),
            HttpStatusCode.BadRequest, 40010, "不是一个可接受的文件类型");
        // A zip by content under the universal driver's extension.
        var (zipAsIso, _) = ExtractedDriverFile("zip-as-iso");
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", zipAsIso, Unique("fake") + ".iso"),
            HttpStatusCode.BadRequest, 40010, "不是一个可接受的文件类型");
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", Archives.CorruptZip(Unique("crc") + ".tq")),
            HttpStatusCode.BadRequest, 40011, "上传驱动文件失败！");
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", Archives.TruncatedZip(Unique("cut") + ".tq")),
            HttpStatusCode.BadRequest, 40011, "上传驱动文件失败！");
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload",
                Archives.Zip(new Dictionary<string, byte[]> { ["../../escape.inf"] = [1] }, Unique("slip") + ".tq")),
            HttpStatusCode.BadRequest, 40011, "上传驱动文件失败！");
        var empty = Path.Combine(Path.GetDirectoryName(iso)!, Unique("empty") + ".iso");
        await File.WriteAllBytesAsync(empty, []);
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", empty), HttpStatusCode.BadRequest, 40011, "上传驱动文件失败！");
        var huge = Archives.RandomBytes(Unique("huge") + ".iso", 9 << 20);
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", huge), HttpStatusCode.RequestEntityTooLarge, 41300, "上传驱动文件失败！");

        Assert.That(await CountAsync("SELECT count(*) FROM drivers"), Is.EqualTo(rowsBefore), "no refused upload left a row");
        Assert.That(TransferFiles(), Is.Empty, "no refused upload left a file on the host");
        Assert.That(File.Exists(BackupPath("escape.inf")) || File.Exists(Path.Combine(AgentDirectory, "escape.inf")), Is.False);

        var first = await UploadDriverAsync(iso);
        var again = await Api.UploadAsync("/thor/voi/driver/upload", iso);
        AssertRefused(again, HttpStatusCode.Conflict, 40910, "系统驱动文件名称重复");
        var other = ExtractedDriverFile();
        var second = await UploadDriverAsync(other.Path);
        var listed = (await ListedDriverAsync(first))!.Value.GetProperty("name").GetString()!;
        AssertRefused(await Api.PutAsync("/thor/voi/driver", new { id = second, name = listed }), HttpStatusCode.Conflict, 40910, "系统驱动文件名称重复");

        AssertRefused(await Api.PutAsync("/thor/voi/driver", new { id = 987654321, name = "x" }), HttpStatusCode.NotFound, 40411, "系统驱动不存在");
        AssertRefused(await Api.PostAsync("/thor/voi/driver", new { action = "delete", ids = new[] { first, 987654321 } }), HttpStatusCode.NotFound, 40411, "系统驱动不存在");
        Assert.That(await ListedDriverAsync(first), Is.Not.Null, "a delete naming a missing driver deletes nothing");

        var invalid = await Api.PostAsync("/thor/voi/driver", new { action = "erase", ids = "x" });
        Assert.That((invalid.Status, invalid.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), invalid.Body);
        Assert.That(invalid.Message, Does.Contain("action").And.Contain("ids"), "every bad field is named at once");
    }

    [Test]
    public async Task Fields_after_the_file_part_count_and_a_bad_one_refuses_the_whole_upload()
    {
        var (tq, stem) = ExtractedDriverFile("late");
        var named = Unique("late-name");
        var good = await PostFileFirstAsync(tq, ("environment", "Windows7_32"), ("name", named));
        Assert.That(good.StatusCode, Is.EqualTo(HttpStatusCode.OK), good.Body);
        var driver = System.Text.Json.JsonDocument.Parse(good.Body).RootElement.GetProperty("data")[0];
        Assert.That((driver.GetProperty("name").GetString(), driver.GetProperty("os_type").GetInt32()), Is.EqualTo((named, 1)), "as curl -F file=@x -F environment=… sends them");

        var rows = await CountAsync("SELECT count(*) FROM drivers");
        var (other, _) = ExtractedDriverFile("late-bad");
        var bad = await PostFileFirstAsync(other, ("environment", "Windows11"));
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), bad.Body);
        Assert.That(bad.Body, Does.Contain("environment"));
        Assert.That(await CountAsync("SELECT count(*) FROM drivers"), Is.EqualTo(rows), "no row");
        Assert.That(TransferFiles(), Is.Empty, "the file already sent to the host is gone again");
        _ = stem;
    }

    private async Task<(HttpStatusCode StatusCode, string Body)> PostFileFirstAsync(string file, params (string Name, string Value)[] fields)
    {
        using var http = ApiSignIn.Client(Controller.RestUrl, Controller.Token);
        using var form = new MultipartFormDataContent();
        await using var stream = File.OpenRead(file);
        form.Add(new StreamContent(stream), "file", Path.GetFileName(file));
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        using var response = await http.PostAsync("/thor/voi/driver/upload", form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Upload_as_a_raw_body_with_the_file_name_in_the_query()
    {
        var (tq, stem) = ExtractedDriverFile("raw");
        using var http = ApiSignIn.Client(Controller.RestUrl, Controller.Token);
        using var content = new StreamContent(File.OpenRead(tq));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PostAsync($"/thor/voi/driver/upload?file_name={Uri.EscapeDataString(stem + ".tq")}&environment=1", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var driver = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("data")[0];
        Assert.That((driver.GetProperty("name").GetString(), driver.GetProperty("os_type").GetInt32(), driver.GetProperty("type").GetInt32()), Is.EqualTo((stem, 1, 2)));
    }
}
