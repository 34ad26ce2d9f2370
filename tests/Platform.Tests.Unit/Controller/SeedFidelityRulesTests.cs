using Platform.Agent.Storage.Rbd;
using Platform.Contracts.Limits;
using Platform.Controller.Api;
using Platform.Controller.Images;
using Platform.Controller.Networks;
using Platform.Controller.Tasks;
using Grpc.Core;

namespace Platform.Tests.Unit.Controller;

/// <summary>The request rules of issue 12's seed fidelity, without a server.</summary>
public sealed class SeedFidelityRulesTests
{
    [TestCase("ami-0a1b2c3d")]
    [TestCase("ami-AB112345")]
    [TestCase("win10-golden")]
    [TestCase("Ubuntu_22.04")]
    public void Image_ids_are_any_name_the_agent_accepts(string id)
    {
        var request = ApiRequest.FromValues([new("image_id", id)]);
        Assert.That(request.ImageId("image_id"), Is.EqualTo(id));
        Assert.That(RbdNames.IsValid(id), Is.True, "the agent takes the same names");
    }

    [TestCase("bad name")]
    [TestCase("x;y")]
    [TestCase("-dash")]
    [TestCase(".hidden")]
    [TestCase("ümlaut")]
    [TestCase("images/ami-0a1b2c3d")]
    [TestCase("ami@snap")]
    [TestCase("")]
    public void Image_ids_the_agent_refuses_are_refused(string id)
    {
        var request = ApiRequest.FromValues([new("image_id", id)]);
        Assert.That(request.ImageId("image_id"), Is.Null);
        Assert.That(request.Errors.Single().Field, Is.EqualTo("image_id"));
        Assert.That(RbdNames.IsValid(id), Is.False);
        Assert.That(RbdLimits.NameProblem(id), Is.Not.Null);
    }

    [Test]
    public void Longest_name_is_the_rbd_limit() =>
        Assert.That((RbdLimits.IsValidName(new string('a', RbdLimits.MaxNameLength)), RbdLimits.IsValidName(new string('a', RbdLimits.MaxNameLength + 1))), Is.EqualTo((true, false)));

    [Test]
    public void The_rest_limits_are_the_agents()
    {
        Assert.That((ulong)SizeLimits.MaxImageBytes, Is.EqualTo(RbdSizes.MaxImageSize));
        Assert.That((ulong)SizeLimits.MaxVolumeGiB << 30, Is.EqualTo(RbdSizes.MaxImageSize));
        Assert.That(SizeLimits.MaxVolumeGiB, Is.EqualTo(16384));
        Assert.That(() => RbdSizes.Validate((ulong)SizeLimits.MaxImageBytes), Throws.Nothing);
        Assert.That(() => RbdSizes.Validate((ulong)SizeLimits.MaxImageBytes + 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(SizeLimits.VolumeGiBFor(1), Is.EqualTo(1));
        Assert.That(SizeLimits.VolumeGiBFor((1L << 30) + 1), Is.EqualTo(2));
    }

    [TestCase("Window", "Windows")]
    [TestCase("window", "Windows")]
    [TestCase("WINDOWS", "Windows")]
    [TestCase("linux", "Linux")]
    public void Os_type_reads_the_seeds_spelling(string given, string stored) =>
        Assert.That(OsTypes.Read(ApiRequest.FromValues([new("os_type", given)])), Is.EqualTo(stored));

    [Test]
    public void Os_type_refusal_names_the_alias()
    {
        var request = ApiRequest.FromValues([new("os_type", "Win")]);
        Assert.That(OsTypes.Read(request), Is.Null);
        Assert.That(request.Errors.Single().Message, Is.EqualTo("must be one of Linux, Windows (Window is read as Windows)"));
    }

    [Test]
    public void Nic_fields_are_read_under_the_seeds_name_or_the_alias()
    {
        var seed = ApiRequest.FromValues([new("network_interface_id", "nic-0000000a")]);
        Assert.That(seed.Named(NicFields.Id, NicFields.IdAlias), Is.EqualTo("network_interface_id"));
        var alias = ApiRequest.FromValues([new("nic_id", "nic-0000000a")]);
        Assert.That(alias.Named(NicFields.Id, NicFields.IdAlias), Is.EqualTo("nic_id"));
        var none = ApiRequest.FromValues([]);
        Assert.That(none.Named(NicFields.Id, NicFields.IdAlias), Is.EqualTo("network_interface_id"), "a missing field is named as the seed names it");
        var same = ApiRequest.FromValues([new("network_interface_id", "nic-0000000a"), new("nic_id", "nic-0000000a")]);
        same.Named(NicFields.Id, NicFields.IdAlias);
        Assert.That(same.IsValid, Is.True);
        var differ = ApiRequest.FromValues([new("network_interface_id", "nic-0000000a"), new("nic_id", "nic-0000000b")]);
        differ.Named(NicFields.Id, NicFields.IdAlias);
        Assert.That(differ.Errors.Single().Field, Is.EqualTo("network_interface_id"));
    }

    [TestCase(StatusCode.NotFound, 40904)]
    [TestCase(StatusCode.FailedPrecondition, 40904)]
    [TestCase(StatusCode.Unavailable, 50302)]
    [TestCase(StatusCode.DeadlineExceeded, 50401)]
    [TestCase(StatusCode.InvalidArgument, 50200)]
    public void One_table_maps_agent_statuses(StatusCode status, int code) =>
        Assert.That((int)TaskFailures.KindOf(status).ToApiErrorCode(), Is.EqualTo(code));
}
