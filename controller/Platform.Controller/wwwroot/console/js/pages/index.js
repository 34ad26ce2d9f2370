// The console's pages, in the navigation's order. `needs` hides a page from roles that may not
// call its main operation.
import * as dashboard from './dashboard.js';
import * as images from './images.js';
import * as volumes from './volumes.js';
import * as nics from './nics.js';
import * as instances from './instances.js';
import * as drivers from './drivers.js';
import * as printers from './printers.js';
import * as driverDisk from './driver-disk.js';
import * as templates from './templates.js';
import * as terminals from './terminals.js';
import * as tasks from './tasks.js';
import * as audit from './audit.js';
import * as users from './users.js';
import * as tokens from './tokens.js';

export const defaultPage = 'dashboard';

export const pages = {
  dashboard,
  images,
  volumes,
  nics,
  instances,
  drivers,
  printers,
  'driver-disk': driverDisk,
  templates,
  terminals,
  tasks,
  audit,
  tokens,
  users: { ...users, needs: ['GET', '/api/v1/users/list'] },
};
