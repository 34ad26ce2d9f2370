using Google.Protobuf;
using Grpc.Reflection.V1;
using Platform.Grpc.Server;

namespace Platform.Grpc.Services.Reflection;

/// <summary>
/// grpc.reflection.v1 server reflection: lists the served services and hands out their
/// proto files (with imports), so generic tools can call the server without our .proto files.
/// </summary>
public sealed class ReflectionService(GrpcServiceRegistry registry) : ServerReflection.ServerReflectionBase
{
    private DescriptorIndex? _index;

    public override async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requestStream, IServerStreamWriter<ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        // Services are mapped at start-up; the index is built on the first request after that.
        var index = _index ??= new DescriptorIndex(registry.Services);
        var sentFiles = new HashSet<string>(StringComparer.Ordinal);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var response = Answer(index, requestStream.Current, sentFiles);
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    internal static ServerReflectionResponse Answer(DescriptorIndex index, ServerReflectionRequest request, HashSet<string> sentFiles)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                response.ListServicesResponse.Service.AddRange(index.ServiceNames.Select(name => new ServiceResponse { Name = name }));
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFiles(response, index.FindFile(request.FileByFilename), sentFiles, $"File not found: {request.FileByFilename}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFiles(response, index.FindFileContainingSymbol(request.FileContainingSymbol), sentFiles, $"Symbol not found: {request.FileContainingSymbol}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                // The served files declare no extensions.
                SetError(response, StatusCode.NotFound, $"Extension not found: {request.FileContainingExtension.ContainingType}({request.FileContainingExtension.ExtensionNumber})");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (index.HasMessage(request.AllExtensionNumbersOfType))
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType.TrimStart('.') };
                }
                else
                {
                    SetError(response, StatusCode.NotFound, $"Type not found: {request.AllExtensionNumbersOfType}");
                }
                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "Empty or unknown reflection request.");
                break;
        }
        return response;
    }

    /// <summary>The file and each of its imports not yet sent on this stream (the file itself always).</summary>
    private static void SetFiles(ServerReflectionResponse response, Google.Protobuf.Reflection.FileDescriptor? file, HashSet<string> sentFiles, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }
        var files = new FileDescriptorResponse();
        foreach (var descriptor in DescriptorIndex.WithDependencies(file))
        {
            if (sentFiles.Add(descriptor.Name) || descriptor == file)
            {
                files.FileDescriptorProto.Add(descriptor.SerializedData);
            }
        }
        response.FileDescriptorResponse = files;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}

/// <summary>
/// The deprecated grpc.reflection.v1alpha, still what many tools ask first. Its messages are
/// wire-identical to v1's, so requests and responses are translated through their bytes.
/// </summary>
public sealed class ReflectionServiceV1Alpha(GrpcServiceRegistry registry) : global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionBase
{
    private DescriptorIndex? _index;

    public override async Task ServerReflectionInfo(
        IAsyncStreamReader<global::Grpc.Reflection.V1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<global::Grpc.Reflection.V1Alpha.ServerReflectionResponse> responseStream,
        ServerCallContext context)
    {
        var index = _index ??= new DescriptorIndex(registry.Services);
        var sentFiles = new HashSet<string>(StringComparer.Ordinal);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var response = ReflectionService.Answer(index, request, sentFiles);
            await responseStream.WriteAsync(global::Grpc.Reflection.V1Alpha.ServerReflectionResponse.Parser.ParseFrom(response.ToByteString()), context.CancellationToken)
                .ConfigureAwait(false);
        }
    }
}
