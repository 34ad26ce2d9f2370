using Google.Rpc;
using Microsoft.Extensions.Options;
using Platform.Agent.Storage.Rbd;
using Platform.Contracts.Agent.V1;
using Platform.Contracts.Limits;
using Grpc.Core;
using Platform.Rpc.Errors;

namespace Platform.Agent.Storage.Commands;

/// <summary>
/// Checks RbdService requests before anything touches Ceph or the operation journal, reporting
/// every problem of a request at once (INVALID_ARGUMENT with google.rpc.BadRequest). Only the
/// configured images and volumes pools may be named: the agent's cephx user may reach others.
/// </summary>
internal sealed class RbdRequestValidator(IOptions<StorageOptions> options)
{
    /// <summary>Operation ids are opaque to the agent; the bound keeps the journal's records small.</summary>
    public const int MaxOperationIdLength = 128;

    public void Validate(CreateImageRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        OperationId(request.OperationId, violations);
        Image(request.Pool, request.Name, "pool", "name", violations);
        Size(request.SizeBytes, "size_bytes", optional: false, violations);
        ThrowIfAny(violations);
    }

    public void Validate(ListImagesRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        Pool(request.Pool, "pool", violations);
        ThrowIfAny(violations);
    }

    public void Validate(GetImageRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        Image(request.Pool, request.Name, "pool", "name", violations);
        ThrowIfAny(violations);
    }

    public void Validate(RemoveImageRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        OperationId(request.OperationId, violations);
        Image(request.Pool, request.Name, "pool", "name", violations);
        ThrowIfAny(violations);
    }

    public void Validate(ResizeImageRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        OperationId(request.OperationId, violations);
        Image(request.Pool, request.Name, "pool", "name", violations);
        Size(request.SizeBytes, "size_bytes", optional: false, violations);
        ThrowIfAny(violations);
    }

    public void Validate(CloneImageRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        OperationId(request.OperationId, violations);
        Image(request.ParentPool, request.ParentName, "parent_pool", "parent_name", violations);
        Image(request.Pool, request.Name, "pool", "name", violations);
        Size(request.SizeBytes, "size_bytes", optional: true, violations);
        if (request.ParentPool == request.Pool && request.ParentName == request.Name && request.Name.Length > 0)
        {
            violations.Add(RichErrors.Violation("name", "must differ from the parent image"));
        }
        ThrowIfAny(violations);
    }

    public void Validate(FlattenImageRequest request)
    {
        var violations = new List<BadRequest.Types.FieldViolation>();
        OperationId(request.OperationId, violations);
        Image(request.Pool, request.Name, "pool", "name", violations);
        ThrowIfAny(violations);
    }

    /// <summary>The operation id every mutating command carries (RbdService, DriverDiskService).</summary>
    internal static void OperationId(string operationId, List<BadRequest.Types.FieldViolation> violations)
    {
        if (string.IsNullOrWhiteSpace(operationId))
        {
            violations.Add(RichErrors.Violation("operation_id", "is required: every mutating command carries one, so that a repeat is answered without doing the work twice"));
        }
        else if (operationId.Length > MaxOperationIdLength || operationId.Any(char.IsControl))
        {
            violations.Add(RichErrors.Violation("operation_id", $"must be at most {MaxOperationIdLength} characters, without control characters"));
        }
    }

    private void Image(string pool, string name, string poolField, string nameField, List<BadRequest.Types.FieldViolation> violations)
    {
        Pool(pool, poolField, violations);
        if (!RbdNames.IsValid(name))
        {
            violations.Add(RichErrors.Violation(nameField, name.Length == 0
                ? "is required"
                : $"'{Shown(name)}' is not a valid image name: use {RbdLimits.NameRule}"));
        }
    }

    private void Pool(string pool, string field, List<BadRequest.Types.FieldViolation> violations)
    {
        var storage = options.Value;
        if (pool != storage.ImagesPool && pool != storage.VolumesPool)
        {
            violations.Add(RichErrors.Violation(field, $"{(pool.Length == 0 ? "is required" : $"'{Shown(pool)}' is not one of this agent's pools")}: use '{storage.ImagesPool}' or '{storage.VolumesPool}'"));
        }
    }

    private static void Size(ulong size, string field, bool optional, List<BadRequest.Types.FieldViolation> violations)
    {
        if (size == 0 && optional)
        {
            return;
        }
        if (size == 0 || size > RbdSizes.MaxImageSize)
        {
            violations.Add(RichErrors.Violation(field, $"must be between 1 byte and {RbdSizes.MaxImageSize} bytes ({RbdSizes.Format(RbdSizes.MaxImageSize)}){(optional ? ", or 0 for the parent's size" : "")}; got {size}"));
        }
    }

    /// <summary>Echoed names are cut short: they are the caller's input, not ours to repeat at length.</summary>
    private static string Shown(string value) => value.Length > 100 ? value[..100] + "…" : value;

    private static void ThrowIfAny(List<BadRequest.Types.FieldViolation> violations)
    {
        if (violations.Count > 0)
        {
            throw RichErrors.InvalidArgument(violations);
        }
    }
}
