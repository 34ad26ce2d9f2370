namespace Platform.Cli.Rest;

/// <summary>Every REST operation of /api/v1 and /thor, by group: the one list the subcommands are made from.</summary>
internal static class RestCatalogue
{
    private static RestField T(string name, string description) => new(name, FieldKind.Text, description);
    private static RestField I(string name, string description) => new(name, FieldKind.Integer, description);
    private static RestField B(string name, string description) => new(name, FieldKind.Boolean, description);
    private static RestField N(string name, string description) => new(name, FieldKind.Numbers, description);
    private static RestField L(string name, string description) => new(name, FieldKind.Texts, description);
    private static RestField J(string name, string description) => new(name, FieldKind.Json, description);

    private static readonly RestField[] Paging = [I("page_num", "page number, from 1"), I("page_size", "items per page")];
    private static readonly RestField FilterName = T("filter_name", "only names containing this (case-insensitive)");
    private static readonly RestField Describe = T("describe", "free description");

    private static RestOperation Get(string group, string name, string path, string description, params RestField[] fields) =>
        new(group, name, "GET", path, RequestShape.Query, description, fields);

    private static RestOperation Post(string group, string name, string path, string description, params RestField[] fields) =>
        new(group, name, "POST", path, RequestShape.Json, description, fields);

    private static RestOperation Put(string group, string name, string path, string description, params RestField[] fields) =>
        new(group, name, "PUT", path, RequestShape.Json, description, fields);

    private static RestOperation Upload(string group, string name, string path, string description, params RestField[] fields) =>
        new(group, name, "POST", path, RequestShape.Upload, description, fields);

    public static readonly IReadOnlyList<RestOperation> All =
    [
        Get("image", "list", "/api/v1/images/list", "List images", [FilterName, .. Paging]),
        Get("image", "inspect", "/api/v1/images/inspect", "Show one image", T("image_id", "the image")),
        Post("image", "create", "/api/v1/images/create", "Create an empty RBD image",
            T("image_name", "its name"), I("image_size", "size in bytes"), T("os_type", "Linux or Windows"), Describe),
        Get("image", "unregistered", "/api/v1/unregister_images/list", "RBD images of the pool the inventory does not know"),
        Post("image", "register", "/api/v1/images/register", "Register an RBD image of the pool",
            T("image_id", "the RBD image's name"), T("image_name", "its name"), T("os_type", "Linux or Windows"), Describe),
        Post("image", "update", "/api/v1/images/update", "Change an image's name, description or OS type",
            T("image_id", "the image"), T("image_name", "new name"), T("os_type", "Linux or Windows"), Describe),
        Post("image", "delete", "/api/v1/images/delete", "Unregister an image",
            T("image_id", "the image"), B("del_file", "also remove the RBD image")),

        Get("volume", "list", "/api/v1/volume/list", "List volumes", [FilterName, .. Paging]),
        Post("volume", "create", "/api/v1/volume/create", "Create a volume (waits for its task)",
            T("volume_name", "its name"), I("volume_size", "size in GiB"), Describe, T("image_id", "clone of this image")),
        Post("volume", "mount", "/api/v1/volume/mount", "Attach a volume to an instance",
            T("volume_id", "the volume"), T("instance_id", "the instance")),
        Post("volume", "unmount", "/api/v1/volume/unmount", "Detach a volume from its instance",
            T("volume_id", "the volume"), T("instance_id", "the instance")),
        Post("volume", "delete", "/api/v1/volume/delete", "Delete a detached volume", T("volume_id", "the volume")),

        Get("nic", "list", "/api/v1/network/list", "List network interfaces", [FilterName, .. Paging]),
        Get("nic", "search", "/api/v1/network/search", "Search network interfaces",
            [FilterName, T("mac", "MAC address"), T("ip", "IPv4 address"), T("instance_id", "attached to"), T("status", "state"), .. Paging]),
        Post("nic", "create", "/api/v1/network/create", "Create a network interface (MAC and IP allocated)",
            T("network_interface_name", "its name"), Describe),
        Post("nic", "attach", "/api/v1/network/attach", "Attach a network interface to an instance",
            T("network_interface_id", "the interface"), T("instance_id", "the instance")),
        Post("nic", "detach", "/api/v1/network/detach", "Detach a network interface from its instance",
            T("network_interface_id", "the interface"), T("instance_id", "the instance")),
        Post("nic", "delete", "/api/v1/network/delete", "Delete an idle network interface", T("network_interface_id", "the interface")),

        Get("instance", "list", "/api/v1/instance/list", "List instances", [FilterName, .. Paging]),
        Get("instance", "search", "/api/v1/instance/search", "Search instances",
            [FilterName, T("instance_id", "the instance"), T("status", "state"), T("host_ip", "host address"), T("image_id", "made from"), T("ip", "IPv4 address"), .. Paging]),
        Get("instance", "detail", "/api/v1/instance/detail", "Show an instance with its image, volumes and NICs", T("instance_id", "the instance")),
        Post("instance", "create", "/api/v1/instance/create", "Create and start an instance (waits for its task)",
            T("instance_name", "its name"), T("image_id", "boot image"), I("cpu", "vCPUs"), I("memory", "memory in MiB"),
            I("boot_volume_size", "boot volume in GiB"), J("data_volumes", "JSON array of {volume_name, volume_size, describe}"),
            L("volume_ids", "existing volumes to attach, comma-separated"), J("nics", "JSON array of NICs to create or attach"), Describe),
        Get("instance", "progress", "/api/v1/instance/progress", "The progress of an instance's last task",
            T("instance_id", "the instance"), T("task_id", "or the task")),
        Post("instance", "turnon", "/api/v1/instance/turnon", "Start an instance", T("instance_id", "the instance")),
        Post("instance", "turnoff", "/api/v1/instance/turnoff", "Shut an instance down (ACPI; --force powers it off)",
            T("instance_id", "the instance"), B("force", "power off at once")),
        Post("instance", "destroy", "/api/v1/instance/destroy", "Destroy an instance with its volumes and NICs", T("instance_id", "the instance")),
        Post("instance", "destory", "/api/v1/instance/destory", "Same as destroy (the console's spelling)", T("instance_id", "the instance")),

        Get("host", "list", "/api/v1/hosts/list", "List compute hosts and their agents"),
        Get("task", "list", "/api/v1/tasks/list", "List tasks",
            [T("resource_id", "of this resource"), T("state", "pending, running, succeeded or failed"), .. Paging]),
        Get("task", "detail", "/api/v1/tasks/detail", "Show a task", T("task_id", "the task")),
        Get("audit", "list", "/api/v1/audit/list", "List audit events",
            [T("resource_id", "of this resource"), T("action", "this action"), .. Paging]),
        Get("drift", "list", "/api/v1/drift/list", "List drift found by reconciliation",
            [B("include_resolved", "also resolved drift"), T("resource_id", "of this resource"), T("kind", "this kind"), .. Paging]),

        Post("auth", "login", "/api/v1/auth/login", "Start a console session (the CLI itself uses tokens: see 'platformctl login')",
            T("name", "user name"), T("password", "password")),
        Post("auth", "logout", "/api/v1/auth/logout", "End the console session"),
        Get("auth", "whoami", "/api/v1/auth/whoami", "Who the credentials in use are, and their role"),
        Post("auth", "password", "/api/v1/auth/password", "Change your own password",
            T("current_password", "the password now"), T("new_password", "at least 12 characters")),
        Get("token", "list", "/api/v1/auth/tokens/list", "Your API tokens (an admin's: everyone's)"),
        Post("token", "create", "/api/v1/auth/tokens/create", "Create an API token (shown once)",
            T("name", "its name"), T("role", "viewer, operator or admin: at most your own; terminal-enrollment: registers terminals only"), I("expires_in_days", "days until it expires (none: never)")),
        Post("token", "revoke", "/api/v1/auth/tokens/revoke", "Revoke an API token at once", T("token_id", "the token (tok-…)")),
        Get("user", "list", "/api/v1/users/list", "List users (admin)"),
        Post("user", "create", "/api/v1/users/create", "Create a user (admin)",
            T("name", "user name"), T("role", "viewer, operator or admin"), T("password", "at least 12 characters")),
        Post("user", "update", "/api/v1/users/update", "Change a user's role or password, or disable them (admin)",
            T("name", "user name"), T("role", "viewer, operator or admin"), T("password", "new password"), B("disabled", "true: disable, false: enable")),
        Post("user", "delete", "/api/v1/users/delete", "Delete a user with their sessions and tokens (admin)", T("name", "user name")),

        Get("driver", "list", "/thor/voi/driver", "List system drivers"),
        Post("driver", "delete", "/thor/voi/driver", "Delete system drivers", T("action", "delete"), N("ids", "driver ids, comma-separated")),
        Put("driver", "update", "/thor/voi/driver", "Change a system driver",
            I("id", "the driver"), T("name", "new name"), I("os_type", "1 Win7_32, 2 Win7_64, 3 Win10_32, 4 Win10_64"), Describe),
        Upload("driver", "upload", "/thor/voi/driver/upload", "Upload a system driver (.iso universal, .tq extracted)",
            T("name", "driver name (default: the file's)"), I("os_type", "1 Win7_32, 2 Win7_64, 3 Win10_32, 4 Win10_64"), Describe),

        Get("disk", "status", "/thor/voi/driver/mount", "The driver disk's state"),
        Post("disk", "change", "/thor/voi/driver/mount", "Save (--is-mounted false), restore (--is-init true) or switch auto-update (waits for the task)",
            B("is_mounted", "false: save"), B("is_init", "true: restore from backup"), B("is_auto_update", "auto-update on or off")),

        Get("printer", "list", "/thor/voi/printer", "List printer drivers"),
        Post("printer", "delete", "/thor/voi/printer", "Delete printer drivers", T("action", "delete"), N("ids", "printer driver ids, comma-separated")),
        Put("printer", "update", "/thor/voi/printer", "Rename or describe a printer driver", I("id", "the driver"), T("name", "new name"), Describe),
        Upload("printer", "upload", "/thor/voi/printer/upload", "Upload a printer driver (.zip)", T("name", "driver name (default: the file's)"), Describe),
        Post("printer", "config", "/thor/voi/printer/config", "Edit a printer driver's public configuration",
            I("id", "the driver"), T("file_name", "the public configuration file"), I("type", "1 local, 2 shared, 3 network"),
            T("paper", "paper size"), I("duplex_print", "1, 21 or 22"), T("ip", "address"), T("accounts", "shared printer account"),
            T("password", "shared printer password"), I("port", "network printer port")),
        Post("printer", "duplicate", "/thor/voi/printer/duplicate", "Copy a printer driver", I("id", "the driver")),
        Post("printer", "assign", "/thor/voi/printer/terminals", "Assign a printer driver to terminals",
            I("id", "the driver"), N("terminal_ids", "terminal ids, comma-separated")),

        Get("template", "drivers", "/thor/voi/image_relate_drive", "The drivers related to templates", L("ids", "template (image) ids, comma-separated")),
        Post("template", "relate", "/thor/voi/image_relate_drive", "Relate drivers to a template",
            T("id", "the template (image)"), I("universal_driver_id", "universal driver (0 clears)"), I("extractive_driver_id", "extracted driver (0 clears)")),
        Get("template", "list", "/thor/image/1", "List templates"),
        Get("template", "list-2", "/thor/image/2", "List templates as the console's second list (the same templates)"),

        Get("terminal", "list", "/thor/voi/terminal", "List terminals"),
        Post("terminal", "delete", "/thor/voi/terminal", "Delete terminals", T("action", "delete"), N("ids", "terminal ids, comma-separated")),
        Post("terminal", "notify", "/thor/voi/terminal/notify", "Tell terminals to update the tool disk", N("ids", "terminal ids, comma-separated")),
        Get("terminal", "update-status", "/thor/voi/terminal/update_status", "The terminals' tool-disk update status"),
        Post("terminal", "register", "/thor/voi/terminal/register", "Register a terminal (as a terminal does, with an operator's or a terminal-enrollment token)",
            T("name", "terminal name"), T("mac", "its MAC address")),
        Get("terminal", "manifest", "/thor/voi/terminal/manifest", "The tool-disk manifest (as a terminal asks, with --token)",
            I("known_version", "the version the terminal has"), I("wait", "seconds to wait for a newer one")),
        Post("terminal", "state", "/thor/voi/terminal/state", "Report a terminal's state (as a terminal does, with --token)",
            I("tool_disk_version", "its version"), B("is_downloading", "downloading now")),
        Upload("terminal", "printer-upload", "/thor/voi/terminal/printer/upload", "Upload a printer driver from a terminal (with --token)",
            T("name", "driver name"), Describe),
        new("terminal", "download", "GET", "/thor/voi/terminal/files/", RequestShape.Download,
            "Download a tool-disk file (as a terminal does, with --token)", []),
    ];
}
