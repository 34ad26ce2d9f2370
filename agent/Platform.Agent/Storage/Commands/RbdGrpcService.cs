using Platform.Agent.Operations;
using Platform.Contracts.Agent.V1;
using Grpc.Core;
using RbdImage = Platform.Contracts.Agent.V1.RbdImage;

namespace Platform.Agent.Storage.Commands;

/// <summary>
/// RbdService: validates each request, runs mutating commands through the operation journal (so a
/// repeated operation id gets the first outcome), and maps facade failures to statuses.
/// </summary>
internal sealed class RbdGrpcService(RbdRequestValidator validator, RbdCommands commands, OperationJournal journal) : RbdService.RbdServiceBase
{
    public override Task<RbdImage> CreateImage(CreateImageRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return MutateAsync(request.OperationId, request, context, ct => commands.CreateAsync(request, ct));
    }

    public override Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return RbdStatusMapping.GuardAsync(context, () => commands.ListAsync(request, context.CancellationToken));
    }

    public override Task<RbdImage> GetImage(GetImageRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return RbdStatusMapping.GuardAsync(context, () => commands.GetAsync(request, context.CancellationToken));
    }

    public override Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return MutateAsync(request.OperationId, request, context, ct => commands.RemoveAsync(request, ct));
    }

    public override Task<RbdImage> ResizeImage(ResizeImageRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return MutateAsync(request.OperationId, request, context, ct => commands.ResizeAsync(request, ct));
    }

    public override Task<RbdImage> CloneImage(CloneImageRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return MutateAsync(request.OperationId, request, context, ct => commands.CloneAsync(request, ct));
    }

    public override Task<RbdImage> FlattenImage(FlattenImageRequest request, ServerCallContext context)
    {
        validator.Validate(request);
        return MutateAsync(request.OperationId, request, context, ct => commands.FlattenAsync(request, ct));
    }

    /// <summary>
    /// The work's failures are mapped inside the journal, so that it records the status a client
    /// saw; the outer mapping covers waiting for a concurrent run of the same operation.
    /// Validation comes before: it depends on the request alone, so a repeat fails the same way.
    /// </summary>
    private Task<TResponse> MutateAsync<TRequest, TResponse>(string operationId, TRequest request, ServerCallContext context, Func<CancellationToken, Task<TResponse>> work)
        where TRequest : Google.Protobuf.IMessage
        where TResponse : class, Google.Protobuf.IMessage<TResponse>, new() =>
        RbdStatusMapping.GuardAsync(context, () => journal.RunAsync(
            operationId,
            context.Method,
            request,
            context.CancellationToken,
            ct => RbdStatusMapping.GuardAsync(context, () => work(ct))));
}
