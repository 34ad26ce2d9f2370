using Platform.Controller.Api;
using Platform.Controller.Audit;

namespace Platform.Controller.DriverCenter;

/// <summary>Which system drivers a template uses; what the template lists show of it.</summary>
internal sealed partial class TemplateDriverUseCases(TemplateDriverStore templates, SystemDriverStore drivers, ILogger<TemplateDriverUseCases> logger)
{
    /// <summary>The templates' drivers; every id must be a template (an image).</summary>
    public async Task<ApiResult<IReadOnlyList<TemplateDrivers>>> GetAsync(IReadOnlyList<string> imageIds, CancellationToken ct)
    {
        var found = await templates.GetAsync(imageIds, ct);
        var missing = imageIds.Except(found.Select(t => t.ImageId), StringComparer.Ordinal).ToList();
        return missing.Count > 0
            ? ApiError.NotFound(ApiErrorCode.ImageNotFound, "template", string.Join(", ", missing))
            : imageIds.Select(id => found.First(t => t.ImageId == id)).ToList();
    }

    /// <summary>
    /// Relates at most one universal and one extracted driver to the template (null clears that
    /// type). A change bumps hg_version; terminals learn of it from the template's version.
    /// </summary>
    public async Task<ApiResult<RelationChange>> RelateAsync(string imageId, long? universal, long? extractive, Caller caller, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        foreach (var (field, id, type) in new[] { ("universal_driver_id", universal, DriverTypes.Universal), ("extractive_driver_id", extractive, DriverTypes.Extracted) })
        {
            if (id is not { } driverId)
            {
                continue;
            }
            var driver = await drivers.GetAsync(driverId, ct);
            if (driver is null || driver.Status != "available")
            {
                return DriverCenterErrors.DriverNotFound(field, $"system driver {driverId} does not exist");
            }
            if (driver.Type != type)
            {
                errors.Add(new FieldError(field, $"driver {driverId} is {(driver.Type == DriverTypes.Universal ? "a universal (.iso)" : "an extracted (.tq)")} driver"));
            }
        }
        if (errors.Count > 0)
        {
            return ApiError.Validation(errors);
        }
        var change = await templates.SetAsync(imageId, universal, extractive,
            new AuditEvent(AuditActions.TemplateDrivers, imageId, caller, new { universal_driver_id = universal, extractive_driver_id = extractive }), ct);
        if (change is null)
        {
            return ApiError.NotFound(ApiErrorCode.ImageNotFound, "template", imageId);
        }
        if (change.DriverVanished)
        {
            return DriverCenterErrors.DriverNotFound("id", "a driver was deleted while the template was being related to it");
        }
        if (change.Changed)
        {
            LogRelated(imageId, universal, extractive, change.Drivers.HgVersion);
        }
        return change;
    }

    [LoggerMessage(EventId = 1941, Level = LogLevel.Information,
        Message = "voi_drive_heterogeneous_manage: template {ImageId} now uses universal driver {Universal} and extracted driver {Extracted}; hg_version {HgVersion}")]
    private partial void LogRelated(string imageId, long? universal, long? extracted, int hgVersion);
}
