using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Controller.Api;

namespace Platform.Controller.Idempotency;

/// <summary>Deletes keys past their retention, in batches, every CleanupInterval; safe on every replica.</summary>
internal sealed partial class IdempotencyKeyCleanup(
    IdempotencyStore store, IOptions<IdempotencyOptions> options, RepeatedWarnings repeated, ILogger<IdempotencyKeyCleanup> logger) : BackgroundService
{
    private const int Batch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = 0;
                int removed;
                do
                {
                    removed = await store.DeleteExpiredAsync(Batch, stoppingToken);
                    deleted += removed;
                }
                while (removed == Batch);
                if (deleted > 0)
                {
                    LogDeleted(deleted, options.Value.Retention);
                }
            }
            catch (NpgsqlException e)
            {
                if (repeated.ShouldLog("idempotency-cleanup", out var suppressed))
                {
                    LogFailed(e.Message, suppressed);
                }
            }
        }
    }

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Deleted {Count} Idempotency-Keys older than their retention ({Retention})")]
    private partial void LogDeleted(int count, TimeSpan retention);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Deleting expired Idempotency-Keys failed; retrying next period: {Reason} ({Suppressed} more failures since the last line)")]
    private partial void LogFailed(string reason, int suppressed);
}
