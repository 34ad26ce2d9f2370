// English labels. Keys are grouped by page; {name} placeholders are filled by t().
export default {
  'lang.label': 'Language',
  'nav.menu': 'Menu',
  'nav.dashboard': 'Dashboard', 'nav.images': 'Images', 'nav.volumes': 'Volumes', 'nav.nics': 'Network interfaces',
  'nav.instances': 'Instances', 'nav.drivers': 'System drivers', 'nav.printers': 'Printer drivers',
  'nav.driver-disk': 'Driver disk', 'nav.templates': 'Templates', 'nav.terminals': 'Terminals',
  'nav.tasks': 'Tasks', 'nav.audit': 'Audit', 'nav.users': 'Users',

  'auth.title': 'Sign in to Platform', 'auth.name': 'User name', 'auth.password': 'Password', 'auth.signIn': 'Sign in',
  'auth.logout': 'Sign out', 'auth.signedOut': 'You have signed out.', 'auth.expired': 'Your session has ended; please sign in again.',
  'auth.who': '{name} ({role})',
  'role.viewer': 'viewer', 'role.operator': 'operator', 'role.admin': 'admin', 'role.terminal': 'terminal',

  'common.actions': 'Actions', 'common.allStates': 'All states', 'common.anyState': 'any state', 'common.cancel': 'Cancel',
  'common.choose': 'Choose…', 'common.close': 'Close', 'common.consoleError': 'The console failed to show this page: {error}',
  'common.deleteText': 'This cannot be undone.', 'common.dismiss': 'Dismiss', 'common.done': 'Done', 'common.empty': 'Nothing here yet.',
  'common.filter': 'Filter', 'common.gone': 'gone', 'common.loading': 'Loading…', 'common.next': 'Next', 'common.no': 'no',
  'common.noInstances': 'No instance can take it now', 'common.none': 'None', 'common.off': 'off', 'common.on': 'on',
  'common.page': 'Page {page} of {pages}', 'common.previous': 'Previous', 'common.progress': 'Progress', 'common.refresh': 'Refresh',
  'common.remove': 'Remove', 'common.save': 'Save', 'common.saved': 'Saved.', 'common.sent': '{sent} of {total} sent',
  'common.showing': '{from}–{to} of {total}', 'common.stateMachine': 'States and transitions', 'common.uploadProgress': 'Upload progress',
  'common.yes': 'yes',

  'action.attach': 'Attach', 'action.create': 'Create', 'action.delete': 'Delete', 'action.destroy': 'Destroy', 'action.detach': 'Detach',
  'action.edit': 'Edit', 'action.inspect': 'Inspect', 'action.mount': 'Mount', 'action.turnOff': 'Turn off', 'action.turnOn': 'Turn on',
  'action.unmount': 'Unmount',

  'field.created': 'Created', 'field.describe': 'Description', 'field.error': 'Error', 'field.host': 'Host', 'field.id': 'ID',
  'field.image': 'Image', 'field.instance': 'Instance', 'field.location': 'Location', 'field.memoryMiB': 'Memory (MiB)',
  'field.name': 'Name', 'field.os_type': 'OS type', 'field.size': 'Size', 'field.sizeGiB': 'Size (GiB)', 'field.status': 'Status',

  'state.creating': 'creating', 'state.available': 'available', 'state.error': 'error', 'state.attaching': 'attaching',
  'state.in-use': 'in use', 'state.detaching': 'detaching', 'state.deleting': 'deleting', 'state.idle': 'idle',
  'state.attached': 'attached', 'state.running': 'running', 'state.stopped': 'stopped', 'state.starting': 'starting',
  'state.stopping': 'stopping', 'state.destroying': 'destroying', 'state.paused': 'paused', 'state.crashed': 'crashed',
  'state.pending': 'pending', 'state.succeeded': 'succeeded', 'state.failed': 'failed', 'state.up': 'up', 'state.down': 'down',
  'state.observed': 'as the host reports', 'state.ready': 'ready', 'state.1': 'normal', 'state.2': 'merging', 'state.3': 'error',
  'state.4': 'restoring',

  'dashboard.hosts': 'Hosts', 'dashboard.noHosts': 'No host has registered.', 'dashboard.instances': 'Instances by state',
  'dashboard.hostLine': '{cpus} CPUs · {domains} running · {type} · last heartbeat {seen}', 'dashboard.memory': 'Memory {used} of {total}',
  'dashboard.memoryUse': 'Memory in use', 'dashboard.recentTasks': 'Recent tasks', 'dashboard.failures': 'Recent failures',
  'dashboard.noTasks': 'No task yet.', 'dashboard.noFailures': 'No failed task.', 'dashboard.drift': 'Drift', 'dashboard.noDrift': 'Inventory and hosts agree.',
  'dashboard.resolved': 'resolved',

  'images.create': 'Create image', 'images.created': 'Image {id} created.', 'images.register': 'Register image',
  'images.registered': 'Image {id} registered.', 'images.unregistered': 'Image in the pool', 'images.noneUnregistered': 'The pool holds no unregistered image',
  'images.notRegistrable': '{count} image(s) in the pool cannot be registered', 'images.edit': 'Edit image {id}',
  'images.delete': 'Delete image {id}', 'images.deleteText': 'The image leaves the inventory. Tick the box to remove its RBD image from the pool as well.',
  'images.deleteFile': 'Also delete the image file (RBD)', 'images.deleted': 'Image {id} deleted.',

  'volumes.create': 'Create volume', 'volumes.created': 'Volume {id} created.', 'volumes.empty': 'Empty volume',
  'volumes.fromImage': 'Clone of image', 'volumes.mount': 'Mount volume {id}', 'volumes.unmount': 'Unmount volume {id}',
  'volumes.unmountText': 'The volume is unplugged from instance {instance}.', 'volumes.delete': 'Delete volume {id}',
  'volumes.deleted': 'Volume {id} deleted.', 'volumes.taskTitle': 'Volume {id}',

  'nics.create': 'Create network interface', 'nics.created': 'Network interface {id} created ({ip}).', 'nics.attach': 'Attach {id}',
  'nics.detach': 'Detach {id}', 'nics.detachText': 'The interface is unplugged from instance {instance}.', 'nics.delete': 'Delete {id}',
  'nics.deleted': 'Network interface {id} deleted.', 'nics.taskTitle': 'Network interface {id}',

  'instances.create': 'Create instance', 'instances.requested': '{id}: {status}.', 'instances.turnOff': 'Turn off {id}',
  'instances.turnOffText': 'The guest is asked to shut down (ACPI). Force powers it off at once.', 'instances.force': 'Force (power off)',
  'instances.destroy': 'Destroy {id}', 'instances.destroyText': 'The instance is destroyed with its volumes and network interfaces. This cannot be undone.',
  'instances.bootSize': 'Boot volume (GiB)', 'instances.bootSizeHelp': "Empty: the image's size.", 'instances.newVolumes': 'New data volumes',
  'instances.addVolume': 'Add a data volume', 'instances.existingVolumes': 'Attach existing volumes', 'instances.newNics': 'New network interfaces',
  'instances.addNic': 'Add a network interface', 'instances.existingNics': 'Attach idle network interfaces', 'instances.noImages': 'No available image',
  'instances.progress': 'Progress', 'instances.latestTask': 'Latest task: {kind}', 'instances.device': 'Device', 'instances.boot': 'boot',

  'drivers.upload': 'Upload driver', 'drivers.uploaded': 'Driver uploaded.', 'drivers.file': 'File',
  'drivers.chooseFile': 'Choose a file to upload.', 'drivers.help': 'An .iso is a universal driver (sys/wang); a .tq archive holds extracted drivers (sys/tq).',
  'drivers.nameHelp': "Empty: the file's name.", 'drivers.environment': 'Environment', 'drivers.type': 'Type', 'drivers.type1': 'universal',
  'drivers.type2': 'extracted', 'drivers.templates': 'Templates', 'drivers.edit': 'Edit {name}', 'drivers.delete': 'Delete {name}',
  'drivers.deleteUsed': '{count} template(s) use this driver; they lose it. This cannot be undone.', 'drivers.deleted': '{name} deleted.',

  'printers.upload': 'Upload printer driver', 'printers.type': 'Printer type', 'printers.type1': 'local', 'printers.type2': 'shared',
  'printers.type3': 'network', 'printers.uploadedBy': 'Uploaded by', 'printers.terminal': 'terminal', 'printers.console': 'console',
  'printers.terminals': 'Terminals', 'printers.config': 'Config', 'printers.configOf': 'Public config of {name}',
  'printers.paper': 'Paper', 'printers.duplex': 'Duplex', 'printers.simplex': 'one-sided', 'printers.longEdge': 'two-sided, long edge',
  'printers.shortEdge': 'two-sided, short edge', 'printers.ip': 'Printer or host address', 'printers.account': 'Account',
  'printers.password': 'Password', 'printers.passwordKept': 'A password is stored; leave empty to keep it.', 'printers.passwordNone': 'No password is stored.',
  'printers.port': 'Port', 'printers.duplicate': 'Duplicate', 'printers.duplicated': '{name} duplicated.', 'printers.edit': 'Edit {name}',
  'printers.delete': 'Delete {name}', 'printers.deleted': '{name} deleted.',

  'driverDisk.state': 'State', 'driverDisk.version': 'Version', 'driverDisk.autoUpdate': 'Auto-update', 'driverDisk.distribution': 'Distribution',
  'driverDisk.distributing': 'terminals are downloading', 'driverDisk.idle': 'none in progress', 'driverDisk.save': 'Save (merge)',
  'driverDisk.saving': 'Saving the driver disk…', 'driverDisk.restore': 'Restore from backup', 'driverDisk.restoring': 'Restoring the driver disk…',
  'driverDisk.autoOn': 'Turn auto-update on', 'driverDisk.autoOff': 'Turn auto-update off', 'driverDisk.task': 'Driver disk',

  'templates.universal': 'Universal driver', 'templates.extracted': 'Extracted driver', 'templates.heterogeneous': 'Heterogeneous',
  'templates.drivers': 'Drivers', 'templates.driversOf': 'Drivers of {name}', 'templates.noDriver': 'None',

  'terminals.version': 'Tool-disk version', 'terminals.notified': 'Told of version', 'terminals.downloading': 'Downloading',
  'terminals.since': 'since {time}', 'terminals.lastSeen': 'Last seen', 'terminals.notify': 'Tell to update',
  'terminals.notifiedOf': 'Told to update to version {version}.', 'terminals.delete': 'Delete terminal {name}',

  'tasks.task': 'Task {id}', 'tasks.kind': 'Kind', 'tasks.resource': 'Resource', 'tasks.step': 'Step', 'tasks.finished': 'Finished',
  'tasks.filterHelp': 'The filter takes a resource id (i-…, vol-…, nic-…).',
  'audit.at': 'When', 'audit.principal': 'Who', 'audit.action': 'Action', 'audit.outcome': 'Outcome', 'audit.address': 'From',
  'audit.filterHelp': 'Filter by resource id, and by action (for example volume.create).',

  'users.create': 'Create user', 'users.role': 'Role', 'users.disabled': 'Disabled', 'users.enabled': 'enabled', 'users.edit': 'Edit {name}',
  'users.newPassword': 'New password', 'users.passwordHelp': 'At least 12 characters; empty keeps the current one.', 'users.delete': 'Delete {name}',
};
