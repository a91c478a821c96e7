import { describeHostileInput } from './hostile-input';

describeHostileInput(2, 3);
