using Platform.Controller.Agents;
using Platform.Controller.Api;

namespace Platform.Controller.Images;

internal sealed record ImageRecord(
    string ImageId,
    string ImageName,
    long ImageSize,
    string OsType,
    string Describe,
    string Status,
    string? Error,
    long CreateTime);

internal static class ImageStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Error = "error";
}

internal static class OsTypes
{
    public const string Field = "os_type";

    public static readonly IReadOnlyList<string> All = ["Linux", "Windows"];

    /// <summary>The seed spells it "Window" (操作系统(Linux或者Window)); it is stored as Windows.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Window"] = "Windows" };

    public static string? Read(ApiRequest request, bool required = false) => request.Choice(Field, All, required, Aliases);

    /// <summary>The field as <see cref="Read"/> reads it, for the API description.</summary>
    public static Api.Description.ApiField Describe(bool required = false) =>
        Api.Description.ApiField.Choice(Field, All, required) with { Description = $"also read: {string.Join(", ", Aliases.Select(a => $"{a.Key} as {a.Value}"))}" };
}

/// <summary>Where an image's data is, as the seed's qemu-img command names it: <c>rbd:images/ami-AB112345</c>.</summary>
internal static class ImageLocations
{
    public static string Of(string imageId) => $"rbd:{StorageAgents.ImagesPool}/{imageId}";
}
