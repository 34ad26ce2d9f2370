using System.ComponentModel.DataAnnotations;

namespace Platform.Controller.Tasks;

internal sealed class TaskOptions
{
    public const string Section = "Tasks";

    /// <summary>How long a replica owns a task without renewing; after that another replica resumes it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often replicas look for tasks whose owner went away.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A task resumed this many times without finishing ends in an error.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>How long short operations (hot-plug, power) keep the HTTP request open before answering with the task.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SynchronousWait { get; set; } = TimeSpan.FromSeconds(60);
}
