using System.Net;
using System.Text.Json;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>Templates ↔ system drivers: /thor/voi/image_relate_drive and the template lists.</summary>
[TestFixture]
[NonParallelizable]
public sealed class TemplateDriverTests : DriverCenterTestBase
{
    [Test]
    public async Task Relating_drivers_makes_a_template_heterogeneous_and_every_change_bumps_its_hg_version()
    {
        var template = await BlankImageAsync();
        var universal = await UploadDriverAsync((await UniversalDriverFileAsync()).Path);
        var extracted = await UploadDriverAsync(ExtractedDriverFile().Path);

        var plain = await TemplateAsync(template);
        Assert.That((plain.GetProperty("hg_version").GetInt32(), plain.GetProperty("is_allow_heterogeneous").GetBoolean()), Is.EqualTo((0, false)));

        (await Api.PostAsync("/thor/voi/image_relate_drive", new { id = template, universal_driver_id = universal, extractive_driver_id = extracted })).Ok();
        var related = await Api.GetAsync("/thor/voi/image_relate_drive", ("ids", $"[\"{template}\"]"));
        Assert.That(related.Code, Is.Zero, related.Body);
        Assert.That((related.Root.GetProperty("universal_driver_id").GetInt64(), related.Root.GetProperty("extractive_driver_id").GetInt64()), Is.EqualTo((universal, extracted)));
        var offered = related.Data.EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToList();
        Assert.That(offered, Does.Contain(universal).And.Contain(extracted), "every driver is offered");
        var heterogeneous = await TemplateAsync(template);
        Assert.That((heterogeneous.GetProperty("hg_version").GetInt32(), heterogeneous.GetProperty("is_allow_heterogeneous").GetBoolean()), Is.EqualTo((1, true)));
        Assert.That((await ListedDriverAsync(universal))!.Value.GetProperty("tpl_num").GetInt32(), Is.EqualTo(1));

        // A desktop of a heterogeneous template is heterogeneous too.
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("desk"), image_id = template, cpu = 1, memory = 128 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var progress = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout);
        Assert.That(progress.GetProperty("state").GetString(), Is.EqualTo("succeeded"), progress.ToString());
        var desktop = (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok().GetProperty("instance");
        Assert.That(desktop.GetProperty("is_allow_heterogeneous").GetBoolean(), Is.True);
        var destroyed = (await Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId })).Ok();
        Assert.That((await WaitForTaskAsync(instanceId, destroyed.GetProperty("task_id").GetString()!, TimeSpan.FromSeconds(120))).GetProperty("state").GetString(), Is.EqualTo("succeeded"));

        (await Api.PostAsync("/thor/voi/image_relate_drive", new { id = template, universal_driver_id = universal, extractive_driver_id = extracted })).Ok();
        Assert.That((await TemplateAsync(template)).GetProperty("hg_version").GetInt32(), Is.EqualTo(1), "the same drivers again change nothing");

        (await Api.PostAsync("/thor/voi/image_relate_drive", new { id = template, universal_driver_id = (long?)null })).Ok();
        var extractedOnly = await TemplateAsync(template);
        Assert.That((extractedOnly.GetProperty("hg_version").GetInt32(), extractedOnly.GetProperty("is_allow_heterogeneous").GetBoolean(),
            extractedOnly.GetProperty("extractive_driver_id").GetInt64()), Is.EqualTo((2, true, extracted)), "clearing one keeps the other");

        // Deleting a related driver takes it off the template: another change.
        (await Api.PostAsync("/thor/voi/driver", new { action = "delete", ids = new[] { extracted } })).Ok();
        var none = await TemplateAsync(template);
        Assert.That((none.GetProperty("hg_version").GetInt32(), none.GetProperty("is_allow_heterogeneous").GetBoolean()), Is.EqualTo((3, false)));
        Assert.That(await CountAsync("SELECT count(*) FROM audit_events WHERE action = 'voi.image_relate_drive' AND resource_id = @id", ("id", template)), Is.EqualTo(2));
    }

    [Test]
    public async Task A_driver_of_the_wrong_type_or_that_does_not_exist_is_refused_and_changes_nothing()
    {
        var template = await BlankImageAsync();
        var universal = await UploadDriverAsync((await UniversalDriverFileAsync()).Path);
        var wrong = await Api.PostAsync("/thor/voi/image_relate_drive", new { id = template, extractive_driver_id = universal });
        Assert.That((wrong.Status, wrong.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), wrong.Body);
        AssertRefused(await Api.PostAsync("/thor/voi/image_relate_drive", new { id = template, universal_driver_id = 987654321 }), HttpStatusCode.NotFound, 40411, "系统驱动不存在");
        var missingTemplate = await Api.PostAsync("/thor/voi/image_relate_drive", new { id = "ami-00000000", universal_driver_id = universal });
        Assert.That((missingTemplate.Status, missingTemplate.Code), Is.EqualTo((HttpStatusCode.NotFound, 40401)), missingTemplate.Body);
        Assert.That((await TemplateAsync(template)).GetProperty("hg_version").GetInt32(), Is.Zero);
    }

    private async Task<JsonElement> TemplateAsync(string imageId)
    {
        foreach (var list in new[] { "/thor/image/1", "/thor/image/2" })
        {
            Assert.That((await Api.GetAsync(list)).Ok().EnumerateArray().Any(t => t.GetProperty("image_id").GetString() == imageId), $"{list} lists {imageId}");
        }
        return (await Api.GetAsync("/thor/image/1")).Ok().EnumerateArray().First(t => t.GetProperty("image_id").GetString() == imageId);
    }
}
