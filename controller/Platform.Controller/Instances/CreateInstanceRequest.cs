using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Networks;

namespace Platform.Controller.Instances;

/// <summary>Reads and validates /api/v1/instance/create, reporting every problem at once.</summary>
internal static class CreateInstanceRequest
{
    // vda is the boot disk; vdb..vdz hold data volumes.
    public const int MaxDataVolumes = 25;
    public const int MaxNics = 8;

    /// <summary>The fields <see cref="Read"/> reads, for the API description.</summary>
    public static IReadOnlyList<ApiField> Fields { get; } =
    [
        ApiField.Text("instance_name", TextRule.Name, required: true),
        ApiField.ImageId("image_id"),
        ApiField.Integer("cpu", 1, 64, required: true),
        ApiField.Integer("memory", 64, 1_048_576, required: true) with { Description = "MiB" },
        ApiField.Integer("boot_volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB) with { Description = "GiB; default: the image's size" },
        ApiField.Text("describe", TextRule.Description),
        ApiField.Objects("data_volumes", MaxDataVolumes) with
        {
            Description = "new data volumes to create and attach",
            ItemFields =
            [
                ApiField.Text("volume_name", TextRule.Name, required: true),
                ApiField.Integer("volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB, required: true),
                ApiField.Text("describe", TextRule.Description),
            ],
        },
        ApiField.Ids("volume_ids", ResourceIds.Volume, MaxDataVolumes) with { Description = "existing idle volumes to attach" },
        ApiField.Objects("nics", MaxNics) with
        {
            Description = "new network interfaces to create and attach",
            ItemFields =
            [
                ApiField.Text(NicFields.Name, TextRule.Name, required: true) with { Aliases = [NicFields.NameAlias] },
                ApiField.Text("describe", TextRule.Description),
            ],
        },
        ApiField.Ids(NicFields.Ids, ResourceIds.Nic, MaxNics) with { Aliases = [NicFields.IdsAlias], Description = "existing idle network interfaces to attach" },
    ];

    public static CreateInstance? Read(ApiRequest request)
    {
        var name = request.Text("instance_name", TextRule.Name, required: true);
        var imageId = request.ImageId("image_id");
        var cpu = request.Integer("cpu", 1, 64, required: true);
        var memory = request.Integer("memory", 64, 1_048_576, required: true);
        var bootSize = request.Integer("boot_volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB);
        var describe = request.Text("describe", TextRule.Description) ?? "";

        var newVolumes = new List<NewDataVolume>();
        var volumeItems = request.Objects("data_volumes", MaxDataVolumes);
        for (var i = 0; i < volumeItems.Count; i++)
        {
            var item = request.Nested("data_volumes", i, volumeItems[i]);
            var volumeName = item.Text("volume_name", TextRule.Name, required: true);
            var size = item.Integer("volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB, required: true);
            var volumeDescribe = item.Text("describe", TextRule.Description) ?? "";
            if (volumeName is not null && size is not null)
            {
                newVolumes.Add(new NewDataVolume(volumeName, (int)size, volumeDescribe));
            }
        }
        var existingVolumes = request.Ids("volume_ids", ResourceIds.Volume, MaxDataVolumes);
        if (volumeItems.Count + existingVolumes.Count > MaxDataVolumes)
        {
            request.AddError("data_volumes", $"an instance holds at most {MaxDataVolumes} data volumes (vdb..vdz) in all");
        }

        var newNics = new List<NewNicRequest>();
        var nicItems = request.Objects("nics", MaxNics);
        for (var i = 0; i < nicItems.Count; i++)
        {
            var item = request.Nested("nics", i, nicItems[i]);
            var nicName = item.Text(item.Named(NicFields.Name, NicFields.NameAlias), TextRule.Name, required: true);
            var nicDescribe = item.Text("describe", TextRule.Description) ?? "";
            if (nicName is not null)
            {
                newNics.Add(new NewNicRequest(nicName, nicDescribe));
            }
        }
        var existingNics = request.Ids(request.Named(NicFields.Ids, NicFields.IdsAlias), ResourceIds.Nic, MaxNics);
        if (nicItems.Count + existingNics.Count > MaxNics)
        {
            request.AddError("nics", $"an instance has at most {MaxNics} network interfaces in all");
        }

        return request.IsValid
            ? new CreateInstance(name!, imageId!, (int)cpu!, (int)memory!, (int?)bootSize, newVolumes, existingVolumes, newNics, existingNics, describe)
            : null;
    }
}
