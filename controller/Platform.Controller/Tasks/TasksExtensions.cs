namespace Platform.Controller.Tasks;

internal static class TasksExtensions
{
    public static WebApplicationBuilder AddTasks(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<TaskOptions>(builder.Configuration.GetSection(TaskOptions.Section));
        builder.Services.AddSingleton<TaskStore>();
        builder.Services.AddSingleton<TaskRunner>();
        builder.Services.AddHostedService<TaskWorker>();
        return builder;
    }
}
