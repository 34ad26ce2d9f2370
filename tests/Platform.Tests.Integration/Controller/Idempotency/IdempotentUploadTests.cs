using System.Net;
using Platform.Tests.Integration.Controller.DriverCenter;

namespace Platform.Tests.Integration.Controller.Idempotency;

/// <summary>
/// Driver uploads with an Idempotency-Key: the body is hashed as it streams (never held), a
/// repeat whose multipart boundary differs (every client picks a new one) is the same request,
/// another file under the key is refused, and a repeat makes no second driver nor staged file.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class IdempotentUploadTests : DriverCenterTestBase
{
    [Test]
    public async Task A_repeated_upload_answers_the_first_answer_and_another_file_under_the_key_is_refused()
    {
        var client = new KeyedClient(Controller.RestUrl, Controller.Token);
        var (tq, stem) = ExtractedDriverFile("idem");
        var key = Guid.NewGuid().ToString();
        var first = await client.UploadAsync("/thor/voi/driver/upload", tq, key);
        var driverId = first.Response.Ok()[0].GetProperty("id").GetInt64();
        OnCleanUp(() => Api.PostAsync("/thor/voi/driver", new { action = "delete", ids = new[] { driverId } }));
        Assert.That(first.Replayed, Is.False);
        var rows = await CountAsync("SELECT count(*) FROM drivers");

        var again = await client.UploadAsync("/thor/voi/driver/upload", tq, key);
        Assert.That((again.Replayed, again.Response.Status, again.Response.Body), Is.EqualTo((true, first.Response.Status, first.Response.Body)), "another boundary, the same upload");
        Assert.That(await CountAsync("SELECT count(*) FROM drivers WHERE name = @name AND NOT deleted", ("name", stem)), Is.EqualTo(1));

        var (other, _) = ExtractedDriverFile("other");
        var refused = await client.UploadAsync("/thor/voi/driver/upload", other, key);
        Assert.That((refused.Response.Status, refused.Response.Code), Is.EqualTo((HttpStatusCode.UnprocessableEntity, 42200)), refused.ToString());
        Assert.That(await CountAsync("SELECT count(*) FROM drivers"), Is.EqualTo(rows), "no row for the repeat nor the refused one");
        Assert.That(TransferFiles(), Is.Empty, "nothing staged on the host for them");
    }

    [Test]
    public async Task A_raw_body_upload_repeats_by_its_key_too()
    {
        var client = new KeyedClient(Controller.RestUrl, Controller.Token);
        var (tq, stem) = ExtractedDriverFile("rawidem");
        var key = Guid.NewGuid().ToString();
        async Task<KeyedAnswer> UploadAsync()
        {
            var content = new StreamContent(File.OpenRead(tq));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            return await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/thor/voi/driver/upload?file_name={Uri.EscapeDataString(stem + ".tq")}") { Content = content }, key);
        }
        var first = await UploadAsync();
        var driverId = first.Response.Ok()[0].GetProperty("id").GetInt64();
        OnCleanUp(() => Api.PostAsync("/thor/voi/driver", new { action = "delete", ids = new[] { driverId } }));
        var again = await UploadAsync();
        Assert.That((again.Replayed, again.Response.Body), Is.EqualTo((true, first.Response.Body)));
        Assert.That(await CountAsync("SELECT count(*) FROM drivers WHERE name = @name AND NOT deleted", ("name", stem)), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT body_bytes FROM idempotency_keys WHERE key = @key", ("key", key)), Is.EqualTo(new FileInfo(tq).Length), "the body's length, hashed as it streamed");
    }
}
