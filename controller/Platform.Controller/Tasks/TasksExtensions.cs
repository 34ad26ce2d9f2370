using Platform.Common.Hosting;
namespace Platform.Controller.Tasks;

internal static class TasksExtensions
{
    public static WebApplicationBuilder AddTasks(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<TaskOptions>(builder.Configuration, TaskOptions.Section);
        builder.Services.AddSingleton<TaskStore>();
        builder.Services.AddSingleton<TaskRunner>();
        builder.Services.AddHostedService<TaskWorker>();
        return builder;
    }
}
