using Microsoft.Extensions.Options;

namespace Platform.Controller.Idempotency;

internal sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key is kept after its first request: a repeat within it answers what was kept, a later one is a new request.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request holds its key without renewing it (it renews every third of this while
    /// it runs): a repeat after a controller died mid-request waits at most this long to take over.
    /// </summary>
    public TimeSpan InProgressLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often keys past their retention are deleted.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The largest answer kept for repeats (larger ones leave the key answering where to check instead).</summary>
    public int MaxKeptAnswerBytes { get; set; } = 1 << 20;
}

/// <summary>Idempotency settings within what the code can work with, checked at start-up.</summary>
internal sealed class IdempotencyOptionsValidation : IValidateOptions<IdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, IdempotencyOptions options)
    {
        var problems = new List<string>();
        Check(problems, nameof(options.Retention), options.Retention, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
        Check(problems, nameof(options.InProgressLease), options.InProgressLease, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Check(problems, nameof(options.CleanupInterval), options.CleanupInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        if (options.Retention <= options.InProgressLease)
        {
            problems.Add($"{IdempotencyOptions.Section}:Retention ({options.Retention}) must be longer than {IdempotencyOptions.Section}:InProgressLease ({options.InProgressLease})");
        }
        if (options.MaxKeptAnswerBytes is < 1024 or > 16 << 20)
        {
            problems.Add($"{IdempotencyOptions.Section}:MaxKeptAnswerBytes must be between 1024 and {16 << 20} (is {options.MaxKeptAnswerBytes})");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Check(List<string> problems, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{IdempotencyOptions.Section}:{setting} must be between {min} and {max} (is {value})");
        }
    }
}
