using Grpc.Net.Client;
using Platform.Contracts.Agent.V1;

namespace Platform.Tests.Integration.Soak;

/// <summary>
/// Volume churn straight through the agent's RbdService, as the controller's tasks drive it: each
/// round creates an image, clones the base image, resizes, reads and removes both, every
/// mutation with an operation id of its own (so each one leaves a journal record).
/// </summary>
internal sealed class AgentRbdChurn(GrpcChannel channel, string baseImage, string prefix)
{
    private const ulong MiB = 1 << 20;

    private readonly RbdService.RbdServiceClient _client = new(channel);
    private long _operations;

    public long Operations => Interlocked.Read(ref _operations);

    /// <summary>Rounds on <paramref name="workers"/> parallel callers until <paramref name="duration"/> has passed.</summary>
    public async Task RunAsync(TimeSpan duration, int workers)
    {
        var until = DateTime.UtcNow + duration;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (DateTime.UtcNow < until)
            {
                await RoundAsync();
            }
        })));
    }

    private async Task RoundAsync()
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";
        var clone = name + "-c";
        await Call(c => c.CreateImageAsync(new CreateImageRequest { OperationId = NewId(), Pool = "volumes", Name = name, SizeBytes = 64 * MiB }, deadline: Deadline()).ResponseAsync);
        await Call(c => c.CloneImageAsync(new CloneImageRequest { OperationId = NewId(), ParentPool = "images", ParentName = baseImage, Pool = "volumes", Name = clone, SizeBytes = 32 * MiB }, deadline: Deadline()).ResponseAsync);
        await Call(c => c.ResizeImageAsync(new ResizeImageRequest { OperationId = NewId(), Pool = "volumes", Name = name, SizeBytes = 128 * MiB }, deadline: Deadline()).ResponseAsync);
        await Call(c => c.GetImageAsync(new GetImageRequest { Pool = "volumes", Name = clone }, deadline: Deadline()).ResponseAsync);
        await Call(c => c.RemoveImageAsync(new RemoveImageRequest { OperationId = NewId(), Pool = "volumes", Name = clone }, deadline: Deadline()).ResponseAsync);
        await Call(c => c.RemoveImageAsync(new RemoveImageRequest { OperationId = NewId(), Pool = "volumes", Name = name }, deadline: Deadline()).ResponseAsync);
    }

    private async Task Call<T>(Func<RbdService.RbdServiceClient, Task<T>> call)
    {
        await call(_client);
        Interlocked.Increment(ref _operations);
    }

    private static string NewId() => "op-" + Guid.NewGuid().ToString("N");

    private static DateTime Deadline() => DateTime.UtcNow.AddMinutes(2);
}
